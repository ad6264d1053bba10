"""Prerequisite checks run by `up` before anything is created.

Test hooks (environment): TANDEM_LAB_PROC_FILESYSTEMS (default /proc/filesystems) and
TANDEM_LAB_MIN_FREE_GIB (default 3) let tests simulate a missing kernel feature or a full disk.
"""
import ipaddress
import json
import os
import shutil
import subprocess

from .paths import lab_cache
from .util import LabError

TOOLS = {"mmdebstrap": "mmdebstrap", "systemd-nspawn": "systemd-container", "apt-ftparchive": "apt-utils",
         "gpg": "gnupg", "gpgconf": "gnupg", "nsenter": "util-linux", "ip": "iproute2", "nft": "nftables",
         "ssh": "openssh-client", "ssh-keygen": "openssh-client", "mount": "mount", "gzip": "gzip"}


class PrereqError(LabError):
    exit_code = 3


def _existing_parent(path):
    while not os.path.exists(path):
        path = os.path.dirname(path)
    return path


def check(lab):
    problems = []
    if os.geteuid() != 0:
        problems.append("must run as root (network namespaces, overlay mounts, systemd-nspawn)")
    missing = sorted({f"{t} (package {p})" for t, p in TOOLS.items() if not shutil.which(t)})
    if missing:
        problems.append("missing commands: " + ", ".join(missing) + " — run `make deps`")
    fs_path = os.environ.get("TANDEM_LAB_PROC_FILESYSTEMS", "/proc/filesystems")
    try:
        fss = {line.split()[-1] for line in open(fs_path) if line.strip()}
    except OSError as e:
        fss = set()
        problems.append(f"cannot read {fs_path}: {e.strerror}")
    if "overlay" not in fss:
        problems.append(f"kernel feature missing: overlay filesystem (not in {fs_path})")
    for d in ("/sys/fs/cgroup/systemd", "/sys/fs/cgroup/unified"):
        if not os.path.isdir(d):
            problems.append(f"cgroup hierarchy missing: {d} (the lab expects the hybrid cgroup layout)")
    min_gib = float(os.environ.get("TANDEM_LAB_MIN_FREE_GIB", "3"))
    cd = _existing_parent(lab_cache())
    st = os.statvfs(cd)
    free = st.f_bavail * st.f_frsize / (1 << 30)
    if free < min_gib:
        problems.append(f"not enough free space for the lab cache {lab_cache()}: {free:.1f} GiB free on {cd}, "
                        f"need {min_gib:g} GiB")
    if problems:
        raise PrereqError("prerequisites missing, nothing was created:\n  " + "\n  ".join(problems))
    # Only probe the kernel once the cheap checks pass (and we are root).
    kernel_probe(lab)


def kernel_probe(lab):
    problems = []
    p = subprocess.run(["nft", "--check", "-f", "-"], input="table inet tandem_lab_probe { }\n", text=True,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        problems.append(f"kernel feature missing: nf_tables ({p.stderr.strip()})")
    # bridge + veth: create them in a throwaway namespace that dies with the `unshare` process (not
    # `ip netns add`, which would mount /run/netns on a machine that never had a namespace)
    if subprocess.run(["unshare", "--net", "true"], stderr=subprocess.PIPE).returncode != 0:
        problems.append("cannot create a network namespace (unshare --net)")
    else:
        for kind, args in (("bridge", ["probe-br", "type", "bridge"]),
                           ("veth", ["probe-v0", "type", "veth", "peer", "name", "probe-v1"])):
            r = subprocess.run(["unshare", "--net", "ip", "link", "add", *args], stderr=subprocess.PIPE, text=True)
            if r.returncode != 0:
                problems.append(f"kernel feature missing: {kind} links ({r.stderr.strip()})")
    # the lab's address space must be free on this machine (ours is the route via the lab router)
    routes = json.loads(subprocess.run(["ip", "-j", "-4", "route", "show"], stdout=subprocess.PIPE, text=True).stdout or "[]")
    for r in routes:
        dst = r.get("dst", "")
        if dst == "default" or r.get("dev", "").startswith("tl-"):
            continue
        try:
            n = ipaddress.IPv4Network(dst if "/" in dst else dst + "/32", strict=False)
        except ValueError:
            continue
        if n.overlaps(lab.supernet):
            problems.append(f"the machine already routes {dst} (dev {r.get('dev')}), which overlaps the lab supernet {lab.supernet}")
    if problems:
        raise PrereqError("prerequisites missing, nothing was created:\n  " + "\n  ".join(problems))
