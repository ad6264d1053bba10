"""Shared helpers for the lab tests: run the CLI, snapshot what the lab could leave behind."""
import glob
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
LAB_DIR = os.path.dirname(HERE)
REPO = os.path.dirname(LAB_DIR)
LAB = os.path.join(LAB_DIR, "lab")
SCHEMA = os.path.join(REPO, "docs", "schemas", "environment.schema.json")
INVENTORY = os.path.join(REPO, "ansible", "inventory", "tandem.py")

sys.path.insert(0, LAB_DIR)
sys.path.insert(0, os.path.dirname(INVENTORY))   # schema_lite lives beside the inventory script that uses it
from tandemlab.util import wait_for  # noqa: E402,F401  (one deadline wait for the lab and its tests)


def lab(*args, env=None, timeout=600, check=False):
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run(["/usr/bin/python3", LAB, *args], env=e, text=True, timeout=timeout,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if check and p.returncode != 0:
        raise AssertionError(f"lab {' '.join(args)} failed rc={p.returncode}\n{p.stdout}\n{p.stderr}")
    return p


def sh(*cmd, timeout=60):
    return subprocess.run(list(cmd), text=True, timeout=timeout, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def netns():
    return sorted(l.split()[0] for l in sh("ip", "netns", "list").stdout.splitlines() if l.strip())


def lab_netns():
    return [n for n in netns() if n.startswith("tlab-")]


def status():
    return json.loads(lab("status", "--json", check=True).stdout)


def read(path):
    with open(path, errors="replace") as f:
        return f.read()


def _live_lab_processes():
    out = []
    for p in glob.glob("/proc/[0-9]*"):
        try:
            stat = read(p + "/stat").rsplit(")", 1)[1].split()[0]
            cmd = read(p + "/cmdline").replace("\0", " ").strip()
        except OSError:
            continue
        if stat == "Z" or not cmd:
            continue   # zombies hold nothing (this machine's PID 1 does not reap orphans)
        if ("systemd-nspawn" in cmd or "tandem-lab" in cmd or ("http.server" in cmd and "repo" in cmd)
                or ("gpg-agent" in cmd and "tandem" in cmd)):
            if "unittest" not in cmd and "labtest" not in cmd:
                out.append(cmd)
    return sorted(out)


def snapshot():
    """Everything the lab could leave behind on the machine."""
    mounts = sorted(l.split()[1] for l in read("/proc/self/mounts").splitlines())
    cgroups = sorted(d for r in ("/sys/fs/cgroup/systemd", "/sys/fs/cgroup/unified")
                     for d in glob.glob(r + "/*") if os.path.isdir(d))
    return {
        "netns": netns(),
        "links": sorted(l.split()[0].split("@")[0] for l in sh("ip", "-br", "link").stdout.splitlines()),
        "routes": sorted(sh("ip", "-4", "route", "show").stdout.splitlines()),
        "addresses": sorted(sh("ip", "-4", "-br", "addr").stdout.splitlines()),
        "mounts": mounts,
        "cgroups": cgroups,
        "processes": _live_lab_processes(),
    }
