"""Host disks: an overlay clone of the base image per host, seeded at first boot as cloud-init
would (hostname, machine-id, host keys, admin user, the lab repository)."""
import glob
import os
import shutil

from . import image, repo
from .paths import lab_dir
from .util import is_mount_point, run


def machines_dir():
    return os.path.join(lab_dir(), "machines")


def mdir(h):
    return os.path.join(machines_dir(), h.name)


def root(h):
    return os.path.join(mdir(h), "root")


def host_key_file(h):
    return os.path.join(root(h), "etc/ssh/ssh_host_ed25519_key")


def host_public_key(h):
    with open(host_key_file(h) + ".pub") as f:
        return f.read()


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


def ensure_clone(lab, h, ssh_pub):
    """Overlay clone (lower = image) + first-boot seed. Returns number of changes."""
    c = 0
    d = mdir(h)
    r = root(h)
    lower = image.rootfs(lab)
    for sub in ("upper", "work", "root"):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    if not is_mount_point(r):
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
    # one host key, ed25519 (cloud-init's ssh_genkeytypes: [ed25519]); the lab writes it to known_hosts
    for p in glob.glob(os.path.join(r, "etc/ssh/ssh_host_*")):
        os.remove(p)
    run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"root@{h.name}", "-f", host_key_file(h)])
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


def remove_all():
    """Unmount every clone (lazily if busy) and delete them."""
    for m in sorted(lab_mounts(), key=len, reverse=True):
        run(["umount", m], check=False)
    for m in sorted(lab_mounts(), key=len, reverse=True):
        run(["umount", "-l", m], check=False)
    if not lab_mounts():
        shutil.rmtree(machines_dir(), ignore_errors=True)
