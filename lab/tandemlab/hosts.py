"""Host processes: each host boots with systemd-nspawn from its overlay clone (clones.py), in its
own cgroup and its own pre-wired netns; start, wait until systemd runs, stop, kill, enter."""
import glob
import os
import signal
import subprocess

from . import clones, net
from .clones import machines_dir, root
from .paths import lab_dir
from .util import LabError, log, pid_alive, proc_cmdline, read_pid, wait_for, wait_pid_exit

CGROUP_ROOTS = ["/sys/fs/cgroup/systemd", "/sys/fs/cgroup/unified"]
CGROUP_NAME = "tandem-lab"


def pidfile(h):
    return os.path.join(lab_dir(), "run", f"{h.name}.pid")


def logfile(h):
    return os.path.join(lab_dir(), "logs", f"{h.name}.log")


def cgroup_dirs(name=None):
    return [os.path.join(r, CGROUP_NAME, *([name] if name else [])) for r in CGROUP_ROOTS if os.path.isdir(r)]


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
    last = {}

    def all_running():
        for name, h in list(pending.items()):
            if not nspawn_pid(h):
                raise LabError(f"{name}: systemd-nspawn exited during boot; see {logfile(h)}")
            last[name] = system_state(h)
            if last[name] == "running":
                del pending[name]
            elif last[name] == "degraded":
                raise LabError(f"{name}: systemd is degraded; failed units:\n{failed_units(h)}")
        return not pending

    wait_for(all_running, deadline_s, lambda: "hosts to boot: " + ", ".join(f"{n}={last.get(n)}" for n in pending),
             interval=0.1)


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


def kill(lab, targets):
    """Power loss of every host in targets at the same moment: all their links go down, then SIGKILL
    to each container's init. The links go first because a powered-off machine's kernel answers
    nothing, while a container's processes die one by one and its kernel (the netns) would reset
    connections to addresses it still holds."""
    pids = {h.name: nspawn_pid(h) for h in targets}
    for h in targets:
        if not pids[h.name]:
            raise LabError(f"{h.name} is not running")
    for h in targets:
        net.set_links(h, up=False)
    for h in targets:
        pid = pids[h.name]
        os.kill(init_pid(h) or pid, signal.SIGKILL)
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
    """Stop every host (also ones no longer in the description), then remove the clones."""
    stop(lab, list(lab.hosts.values()))
    for pid in stray_nspawn():
        os.kill(pid, signal.SIGTERM)
        if not wait_pid_exit(pid, 30):
            os.kill(pid, signal.SIGKILL)
            wait_pid_exit(pid, 5)
    clones.remove_all()
    for d in cgroup_dirs():
        _rmdir_tree(d)
    for h in lab.hosts.values():
        if os.path.exists(pidfile(h)):
            os.remove(pidfile(h))
