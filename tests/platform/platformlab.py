"""Helpers for the platform tests: the environment description, SSH to hosts, commands in the
client namespace (the internet), ansible-playbook runs. Stdlib only; every wait has a deadline."""
import csv
import io
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
ANSIBLE_DIR = os.path.join(REPO, "ansible")
PROBE = os.path.join(HERE, "client_probe.py")
LAB = os.path.join(REPO, "lab", "lab")
PYTHON = "/usr/bin/python3"

sys.path.insert(0, os.path.join(REPO, "lab"))
from tandemlab import paths  # noqa: E402  pylint: disable=wrong-import-position
from tandemlab.util import wait_for as wait_until  # noqa: E402,F401  pylint: disable=wrong-import-position


def env_file():
    return paths.env_file()


def environment():
    with open(env_file(), encoding="utf-8") as handle:
        return json.load(handle)


def ca_file():
    return os.path.join(paths.pki_dir(), "ca.pem")


def path_env():
    """The paths make would export, for the Ansible runs the tests start themselves."""
    return {name: fn() for name, fn in paths.EXPORTED.items()}


def hosts(group=None):
    return [h for h in environment()["hosts"] if group is None or group in h["groups"]]


def host(name):
    return next(h for h in environment()["hosts"] if h["name"] == name)


def run(argv, timeout=120, env=None, cwd=None, input_text=None):
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(argv, text=True, timeout=timeout, env=full_env, cwd=cwd, input=input_text,
                          stdin=None if input_text is not None else subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)


def ssh_argv(address, *cmd, extra=()):
    ssh = environment()["ssh"]
    return ["ssh", "-i", ssh["private_key_file"], *ssh.get("common_args", "").split(),
            "-o", "BatchMode=yes", "-o", "ConnectTimeout=5", "-o", "LogLevel=ERROR", *extra,
            f"{ssh['user']}@{address}", *cmd]


def ssh(name, command, timeout=60):
    """Run a shell command on a host as the admin user (sudo inside the command if needed)."""
    return run(ssh_argv(host(name)["address"], command), timeout=timeout)


def client_netns():
    explicit = os.environ.get("TANDEM_CLIENT_NETNS")
    if explicit:
        return explicit
    names = [line.split()[0] for line in run(["ip", "netns", "list"]).stdout.splitlines() if line.strip()]
    found = [n for n in names if n.endswith("-client")]
    if len(found) != 1:
        raise AssertionError(f"cannot find the lab's client netns (set TANDEM_CLIENT_NETNS): {names}")
    return found[0]


def client_probe(*args, timeout=120):
    """Run client_probe.py inside the client namespace (public segment, stands for the internet)."""
    proc = run(["ip", "netns", "exec", client_netns(), PYTHON, PROBE, *args], timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(f"client probe {args} failed rc={proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return json.loads(proc.stdout)


def playbook(*args, timeout=900, env=None, book="site.yml"):
    e = {**path_env(), "ANSIBLE_CONFIG": os.path.join(ANSIBLE_DIR, "ansible.cfg"),
         "TANDEM_DIST_DIR": os.environ.get("TANDEM_DIST_DIR") or os.path.join(REPO, "dist"),
         "ANSIBLE_FORCE_COLOR": "0", "ANSIBLE_NOCOLOR": "1"}
    e.update(env or {})
    return run([PYTHON, "/usr/bin/ansible-playbook", book, *args], timeout=timeout, env=e, cwd=ANSIBLE_DIR)


def recap(output):
    sys.path.insert(0, HERE)
    import recap as recap_module  # pylint: disable=import-outside-toplevel
    return recap_module.parse(output)


def haproxy_api(lb, command):
    """One command on an LB's HAProxy runtime API (haproxy-api, installed by the haproxy role)."""
    proc = ssh(lb, f"sudo -n /usr/local/sbin/haproxy-api '{command}'")
    if proc.returncode != 0:
        raise AssertionError(f"{lb}: runtime API {command!r} failed: {proc.stderr}")
    return proc.stdout


def haproxy_stat(lb):
    """`show stat` of an LB's HAProxy as a list of dicts (one per proxy/server row)."""
    return list(csv.DictReader(io.StringIO(haproxy_api(lb, "show stat").lstrip("# "))))


def client_popen(*args):
    """client_probe.py in the client namespace, in the background, with pipes for stdin and stdout."""
    return subprocess.Popen(["ip", "netns", "exec", client_netns(), PYTHON, PROBE, *args], text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def server_states(lb):
    """{server: status} of the app backend as an LB sees it (UP, DOWN, DRAIN, MAINT, ...). Asked
    through `lab exec`, not SSH: it must work while the LB's zone is cut from the machine."""
    proc = run([PYTHON, LAB, "exec", lb, "/usr/local/sbin/haproxy-api", "show stat"])
    if proc.returncode != 0:
        raise AssertionError(f"{lb}: runtime API 'show stat' failed: {proc.stderr}")
    rows = csv.DictReader(io.StringIO(proc.stdout.lstrip("# ")))
    apps = {h["name"] for h in hosts("app")}
    return {r["svname"]: r["status"].split()[0] for r in rows if r["svname"] in apps}


def ports():
    """tandem_ports from ansible/group_vars/all/ports.yml (the one place ports are defined)."""
    found = {}
    with open(os.path.join(ANSIBLE_DIR, "group_vars", "all", "ports.yml"), encoding="utf-8") as handle:
        for line in handle:
            key, _, value = line.strip().partition(":")
            if value.strip().isdigit():
                found[key] = int(value)
    return found


def role_defaults(role):
    """A role's defaults/main.yml: the one place a policy (SSH algorithms, VRRP id) is written."""
    import yaml  # pylint: disable=import-outside-toplevel  (Ansible's own dependency, /usr/bin/python3)
    with open(os.path.join(ANSIBLE_DIR, "roles", role, "defaults", "main.yml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def client_address():
    """The client namespace's address on the public segment."""
    out = run(["ip", "-n", client_netns(), "-4", "-o", "addr", "show", "scope", "global"]).stdout.split()
    return out[out.index("inet") + 1].split("/")[0]


def client_run(*argv, timeout=60, input_text=None):
    """A command in the client namespace (the internet)."""
    return run(["ip", "netns", "exec", client_netns(), *argv], timeout=timeout, input_text=input_text)


def backend_up_everywhere(deadline_s=90):
    """Wait until both LBs see every backend server UP and out of slow start (haproxy-backend up)."""
    for lb in hosts("lb"):
        proc = ssh(lb["name"], f"sudo -n /usr/local/sbin/haproxy-backend up {deadline_s}", timeout=deadline_s + 30)
        if proc.returncode != 0:
            raise AssertionError(f"{lb['name']}: {proc.stdout}{proc.stderr}")


def host_netns(name):
    """A lab host's network namespace (named like the client's: <prefix>-<host>)."""
    return f"{client_netns().rsplit('-', 1)[0]}-{name}"


def vip_holder():
    """The LB whose network namespace has the VIP (asked from the machine: a powered-off host
    cannot answer SSH, and the lab removes a dead host's runtime addresses)."""
    vip = environment()["vip"]["address"]
    for lb in hosts("lb"):
        if f" {vip}/" in run(["ip", "-n", host_netns(lb["name"]), "-4", "-br", "addr"]).stdout:
            return lb["name"]
    return None


def describe(load):
    """One line for a load summary: totals, the failures' errors, the longest gap, latency."""
    lat = load["latency_s"]
    return (f"{load['total']} requests, {load['failed']} failed {[f[3] for f in load['failures']]}, "
            f"longest gap {load['longest_gap_s']} s, latency p50/p99/max {lat['p50']}/{lat['p99']}/{lat['max']} s")


def under_load(action, minimum, threads, rate, mix="mixed"):
    """Run action() while the client namespace sends steady load to the VIP (client_probe.py load).
    Returns (action's result, load summary, action start, action end), times in epoch seconds; the
    load runs until the action has ended and `minimum` requests were made."""
    vip = environment()["vip"]["address"]
    with tempfile.TemporaryDirectory(prefix="tandem-load-") as tmp:
        stop = os.path.join(tmp, "stop")
        argv = ["ip", "netns", "exec", client_netns(), PYTHON, PROBE, "load", vip, ca_file(), stop,
                str(minimum), str(threads), str(rate), mix]
        load = subprocess.Popen(argv, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            json.loads(load.stdout.readline())          # {"started": ...}: the clients are running
            start = time.time()
            result = action()
            end = time.time()
        finally:
            open(stop, "w", encoding="utf-8").close()
            out, err = load.communicate(timeout=600)
    if load.returncode != 0:
        raise AssertionError(f"load generator failed rc={load.returncode}: {err}")
    return result, json.loads(out), start, end


def power_off(*names):
    """Cut the power of lab hosts at once (`lab/lab kill`)."""
    proc = run([PYTHON, LAB, "kill", *names])
    if proc.returncode != 0:
        raise AssertionError(f"lab kill {' '.join(names)}: {proc.stderr}")


def power_on(*names):
    """Boot lab hosts again (`lab/lab start`), one after the other."""
    for name in names:
        proc = run([PYTHON, LAB, "start", name], timeout=180)
        if proc.returncode != 0:
            raise AssertionError(f"lab start {name}: {proc.stderr}")
