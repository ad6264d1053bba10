"""Hosts: overlay clones of the base image, seeded like cloud-init, booted with systemd-nspawn
from their own cgroup in their own (pre-wired) netns."""
import glob
import os
import shutil
import signal
import subprocess
import time

from . import image, net, repo
from .util import LabError, log, pid_alive, proc_cmdline, read_pid, run, state_dir, wait_pid_exit

CGROUP_ROOTS = ["/sys/fs/cgroup/systemd", "/sys/fs/cgroup/unified"]
CGROUP_NAME = "tandem-lab"


def machines_dir():
    return os.path.join(state_dir(), "machines")


def mdir(h):
    return os.path.join(machines_dir(), h.name)


def root(h):
    return os.path.join(mdir(h), "root")


def pidfile(h):
    return os.path.join(state_dir(), "run", f"{h.name}.pid")


def logfile(h):
    return os.path.join(state_dir(), "logs", f"{h.name}.log")


def cgroup_dirs(name=None):
    return [os.path.join(r, CGROUP_NAME, *( [name] if name else [])) for r in CGROUP_ROOTS if os.path.isdir(r)]


def mounts():
    out = []
    with open("/proc/self/mounts") as f:
        for line in f:
            parts = line.split()
            out.append((parts[1].replace("\\040", " "), parts[2], parts[3]))
    return out


def lab_mounts():
    md = machines_dir() + "/"
    return [m[0] for m in mounts() if m[0].startswith(md)]


def is_mounted(path):
    return any(m[0] == path for m in mounts())


def ensure_clone(lab, h, ssh_pub):
    """Overlay clone (lower = image) + first-boot seed. Returns number of changes."""
    c = 0
    d = mdir(h)
    r = root(h)
    lower = image.rootfs(lab)
    for sub in ("upper", "work", "root"):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    if not is_mounted(r):
        run(["mount", "-t", "overlay", "overlay", "-o",
             f"lowerdir={lower},upperdir={d}/upper,workdir={d}/work", r])
        c += 1
    if not os.path.exists(os.path.join(d, "seeded")):
        seed(lab, h, r, ssh_pub)
        open(os.path.join(d, "seeded"), "w").close()
        c += 1
    return c


def _w(r, rel, text, mode=0o644, uid=0, gid=0):
    p = os.path.join(r, rel.lstrip("/"))
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "w") as f:
        f.write(text)
    os.chmod(p, mode)
    os.chown(p, uid, gid)


def _append_line(r, rel, line):
    p = os.path.join(r, rel)
    with open(p) as f:
        text = f.read()
    name = line.split(":", 1)[0]
    if any(l.split(":", 1)[0] == name for l in text.splitlines()):
        return
    with open(p, "a") as f:
        f.write(("" if text.endswith("\n") or not text else "\n") + line + "\n")


def _add_to_group(r, rel, group, user):
    p = os.path.join(r, rel)
    lines = open(p).read().splitlines()
    for i, l in enumerate(lines):
        f = l.split(":")
        if f[0] == group:
            members = [m for m in f[-1].split(",") if m]
            if user not in members:
                members.append(user)
            f[-1] = ",".join(members)
            lines[i] = ":".join(f)
    with open(p, "w") as fh:
        fh.write("\n".join(lines) + "\n")


FIRSTBOOT_UNIT = """\
[Unit]
Description=Lab first boot: refresh the package lists (as cloud-init's package_update)
ConditionPathExists=!/var/lib/lab-firstboot/done

[Service]
Type=oneshot
StateDirectory=lab-firstboot
ExecStart=/usr/bin/apt-get update -q --error-on=any
ExecStart=/usr/bin/touch /var/lib/lab-firstboot/done

[Install]
WantedBy=multi-user.target
"""


def seed(lab, h, r, ssh_pub):
    """What cloud-init would do at first boot: hostname, hosts, machine-id, host keys, admin user."""
    _w(r, "etc/hostname", f"{h.name}\n")
    hosts = ["127.0.0.1\tlocalhost", f"127.0.1.1\t{h.name}", "", "# lab hosts"]
    hosts += [f"{o.address}\t{o.name}" for o in lab.hosts.values()]
    hosts += ["", "::1\tlocalhost ip6-localhost ip6-loopback"]
    _w(r, "etc/hosts", "\n".join(hosts) + "\n")
    _w(r, "etc/machine-id", "")
    for p in glob.glob(os.path.join(r, "etc/ssh/ssh_host_*")):
        os.remove(p)
    run(["ssh-keygen", "-A", "-f", r])
    # admin user: key only, passwordless sudo (uid/gid 1000 are free in the minimal image)
    u = lab.ssh_user
    _append_line(r, "etc/passwd", f"{u}:x:1000:1000:lab admin:/home/{u}:/bin/bash")
    _append_line(r, "etc/shadow", f"{u}:*:19000:0:99999:7:::")
    _append_line(r, "etc/group", f"{u}:x:1000:")
    _append_line(r, "etc/gshadow", f"{u}:!::")
    _add_to_group(r, "etc/group", "sudo", u)
    _add_to_group(r, "etc/gshadow", "sudo", u)
    home = os.path.join(r, "home", u)
    os.makedirs(os.path.join(home, ".ssh"), exist_ok=True)
    for src in glob.glob(os.path.join(r, "etc/skel/.*")):
        if os.path.isfile(src):
            shutil.copy(src, home)
    _w(r, f"home/{u}/.ssh/authorized_keys", ssh_pub, 0o600, 1000, 1000)
    for dirpath, dirs, files in os.walk(home):
        os.chown(dirpath, 1000, 1000)
        for f in files:
            os.chown(os.path.join(dirpath, f), 1000, 1000)
    os.chmod(home, 0o750)
    os.chmod(os.path.join(home, ".ssh"), 0o700)
    _w(r, f"etc/sudoers.d/90-{u}", f"{u} ALL=(ALL) NOPASSWD:ALL\n", 0o440)
    # the lab repository, signed by the lab key
    with open(repo.keyring_file(), "rb") as f:
        key = f.read()
    os.makedirs(os.path.join(r, "etc/apt/keyrings"), exist_ok=True)
    with open(os.path.join(r, "etc/apt/keyrings/tandem-lab.gpg"), "wb") as f:
        f.write(key)
    # as cloud-init's package_update: refresh the package lists once, at first boot (a failure leaves
    # systemd degraded, which `up` reports with the unit's name)
    _w(r, "etc/systemd/system/lab-firstboot.service", FIRSTBOOT_UNIT)
    os.makedirs(os.path.join(r, "etc/systemd/system/multi-user.target.wants"), exist_ok=True)
    link = os.path.join(r, "etc/systemd/system/multi-user.target.wants/lab-firstboot.service")
    if not os.path.lexists(link):
        os.symlink("/etc/systemd/system/lab-firstboot.service", link)
    _w(r, "etc/apt/sources.list.d/tandem-lab.sources",
       f"Types: deb\nURIs: {lab.apt_uri}\nSuites: {lab.suite}\nComponents: main\n"
       f"Signed-By: /etc/apt/keyrings/tandem-lab.gpg\n")


# --- processes -------------------------------------------------------------------------------

def nspawn_pid(h):
    """The nspawn supervisor pid if it is running for this host's rootfs, else None."""
    pid = read_pid(pidfile(h))
    if pid and pid_alive(pid):
        cmd = proc_cmdline(pid)
        if cmd and b"systemd-nspawn" in cmd[0] and root(h).encode() in cmd:
            return pid
    return None


def init_pid(h):
    for r in CGROUP_ROOTS[:1]:
        p = os.path.join(r, CGROUP_NAME, h.name, "payload", "init.scope", "cgroup.procs")
        try:
            with open(p) as f:
                first = f.readline().strip()
            if first:
                return int(first)
        except (OSError, ValueError):
            pass
    return None


def _rmdir_tree(d):
    if not os.path.isdir(d):
        return
    for dirpath, dirs, files in sorted(os.walk(d, topdown=False), key=lambda x: -len(x[0])):
        try:
            os.rmdir(dirpath)
        except OSError:
            pass


def cleanup_cgroup(h):
    for d in cgroup_dirs(h.name):
        _rmdir_tree(d)


def start(lab, h):
    """Boot the host unless it is running. Returns True if started."""
    if nspawn_pid(h):
        return False
    cleanup_cgroup(h)
    net.clear_stale_addresses(lab, h)
    cgs = cgroup_dirs(h.name)
    for d in cgs:
        os.makedirs(d, exist_ok=True)
    os.makedirs(os.path.dirname(pidfile(h)), exist_ok=True)
    os.makedirs(os.path.dirname(logfile(h)), exist_ok=True)
    logf = open(logfile(h), "ab")

    def enter_cgroup():
        pid = str(os.getpid())
        for d in cgs:
            with open(os.path.join(d, "cgroup.procs"), "w") as f:
                f.write(pid)

    cmd = ["systemd-nspawn", "-D", root(h), "-M", h.name, "-b", "--register=no", "--keep-unit",
           f"--network-namespace-path=/run/netns/{h.netns}", "--capability=CAP_NET_ADMIN",
           "--console=passive"]
    # Each host has its own network namespace, so its /proc/sys/net is its own: make it writable (the
    # rest of /proc/sys stays read-only), so the hardening role sets network sysctls as on a VM.
    env = dict(os.environ, SYSTEMD_NSPAWN_API_VFS_WRITABLE="network")
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=logf, stderr=logf, preexec_fn=enter_cgroup,
                         start_new_session=True, env=env)
    with open(pidfile(h), "w") as f:
        f.write(f"{p.pid}\n")
    return True


def system_state(h):
    pid = init_pid(h)
    if not pid:
        return None
    p = subprocess.run(["nsenter", "-t", str(pid), "-m", "-p", "-u", "-i", "-n", "systemctl", "is-system-running"],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, timeout=10)
    return p.stdout.strip() or None


def failed_units(h):
    pid = init_pid(h)
    p = subprocess.run(["nsenter", "-t", str(pid), "-m", "-p", "-u", "-i", "-n", "systemctl", "--failed",
                        "--no-legend", "--plain"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return p.stdout.strip()


def wait_ready(hs, deadline_s=90):
    """Wait until systemd in every host says `running`. `degraded` is an error naming the failed units."""
    pending = {h.name: h for h in hs}
    end = time.monotonic() + deadline_s
    last = {}
    while pending:
        for name, h in list(pending.items()):
            if not nspawn_pid(h):
                raise LabError(f"{name}: systemd-nspawn exited during boot; see {logfile(h)}")
            st = system_state(h)
            last[name] = st
            if st == "running":
                del pending[name]
            elif st == "degraded":
                raise LabError(f"{name}: systemd is degraded; failed units:\n{failed_units(h)}")
        if not pending:
            break
        if time.monotonic() > end:
            raise LabError("timed out after %ss waiting for hosts to boot: %s" %
                           (deadline_s, ", ".join(f"{n}={last.get(n)}" for n in pending)))
        time.sleep(0.1)


def stop(lab, hs, deadline_s=30):
    """Clean poweroff (SIGTERM to nspawn = SIGRTMIN+3 to the container's init). Returns hosts stopped."""
    pids = {}
    for h in hs:
        pid = nspawn_pid(h)
        if pid:
            os.kill(pid, signal.SIGTERM)
            pids[h.name] = (h, pid)
    for name, (h, pid) in pids.items():
        if not wait_pid_exit(pid, deadline_s):
            log(f"{name}: no clean shutdown within {deadline_s}s, killing")
            os.kill(pid, signal.SIGKILL)
            wait_pid_exit(pid, 10)
    for h in hs:
        _after_exit(lab, h)
    return list(pids)


def kill(lab, h):
    """SIGKILL the container's init: the host dies at once, as on power loss."""
    pid = nspawn_pid(h)
    if not pid:
        raise LabError(f"{h.name} is not running")
    ipid = init_pid(h)
    if ipid:
        os.kill(ipid, signal.SIGKILL)
    else:
        os.kill(pid, signal.SIGKILL)
    if not wait_pid_exit(pid, 15):
        os.kill(pid, signal.SIGKILL)
        wait_pid_exit(pid, 5)
    _after_exit(lab, h)


def _after_exit(lab, h):
    # the netns outlives the container: remove runtime addresses such as a VIP it held
    net.clear_stale_addresses(lab, h)
    cleanup_cgroup(h)
    if os.path.exists(pidfile(h)):
        os.remove(pidfile(h))


def nsenter_cmd(h, cmd):
    pid = init_pid(h)
    if not pid or not nspawn_pid(h):
        raise LabError(f"{h.name} is not running")
    return ["nsenter", "-t", str(pid), "-m", "-p", "-u", "-i", "-n", "--", *cmd]


def stray_nspawn():
    """Every systemd-nspawn process whose rootfs lies under the lab's machines dir."""
    md = machines_dir().encode() + b"/"
    out = []
    for p in glob.glob("/proc/[0-9]*"):
        pid = int(p[6:])
        cmd = proc_cmdline(pid)
        if cmd and cmd[0].endswith(b"systemd-nspawn") and any(a.startswith(md) for a in cmd) and pid_alive(pid):
            out.append(pid)
    return out


def down(lab):
    """Stop every host (also ones no longer in the description), unmount and delete the clones."""
    stop(lab, list(lab.hosts.values()))
    for pid in stray_nspawn():
        os.kill(pid, signal.SIGTERM)
        if not wait_pid_exit(pid, 30):
            os.kill(pid, signal.SIGKILL)
            wait_pid_exit(pid, 5)
    for m in sorted(lab_mounts(), key=len, reverse=True):
        run(["umount", m], check=False)
    for m in sorted(lab_mounts(), key=len, reverse=True):
        run(["umount", "-l", m], check=False)
    if not lab_mounts():
        shutil.rmtree(machines_dir(), ignore_errors=True)
    for d in cgroup_dirs():
        _rmdir_tree(d)
    for h in lab.hosts.values():
        if os.path.exists(pidfile(h)):
            os.remove(pidfile(h))
