"""Checks against a running lab, shared by test_running (a lab that is up) and test_lifecycle."""
import ipaddress
import json
import os
import sys

import labtest
import schema_lite  # noqa: E402  (on the path labtest sets)

sys.path.insert(0, labtest.LAB_DIR)
from tandemlab import config, paths  # noqa: E402
from tandemlab.util import read_pid  # noqa: E402

OUTSIDE = ["1.1.1.1", "8.8.8.8", "192.0.2.1", "172.16.0.1"]


def lab_config():
    return config.load()


def env_doc(t):
    p = labtest.lab("env")
    t.assertEqual(p.returncode, 0, p.stderr)
    path = p.stdout.strip()
    doc = json.loads(labtest.read(path))
    t.assertEqual(schema_lite.validate(doc, json.loads(labtest.read(labtest.SCHEMA))), [])
    return doc


def ssh(host, cmd, timeout=120):
    return labtest.lab("ssh", host, cmd, timeout=timeout)


def all_running(t, lab):
    st = labtest.status()
    for h in st["hosts"]:
        t.assertEqual((h["name"], h["state"], h["systemd"]), (h["name"], "running", "running"))
    t.assertEqual({h["name"] for h in st["hosts"]}, set(lab.hosts))
    return {h["name"]: h["init_pid"] for h in st["hosts"]}


def ssh_as_admin_only(t, lab):
    """The admin user logs in with the lab key and has sudo. The root attempt only shows the lab key is
    not root's (bare hosts give root no key); that sshd refuses root even with a key is proven on the
    hardened hosts (tests/platform/test_lab_hosts.py)."""
    doc = env_doc(t)
    for h in lab.hosts.values():
        p = ssh(h.name, "id -un; hostname; sudo -n id -u")
        t.assertEqual(p.returncode, 0, p.stderr)
        t.assertEqual(p.stdout.split(), [lab.ssh_user, h.name, "0"])
    for h in list(lab.hosts.values())[:2]:
        p = labtest.sh("ssh", "-i", doc["ssh"]["private_key_file"], *doc["ssh"]["common_args"].split(),
                       "-o", "BatchMode=yes", "-o", "ConnectTimeout=5", f"root@{h.address}", "true")
        t.assertNotEqual(p.returncode, 0)
        t.assertIn("Permission denied", p.stderr)


def isolation(t, lab):
    spaces = [lab.router_netns, lab.client_netns] + [h.netns for h in lab.hosts.values()]
    for ns in spaces:
        t.assertEqual(labtest.sh("ip", "-n", ns, "route", "show", "default").stdout.strip(), "", ns)
        for a in OUTSIDE:   # ip route get only consults the routing table: nothing is sent
            p = labtest.sh("ip", "-n", ns, "route", "get", a)
            t.assertNotEqual(p.returncode, 0, f"{ns} can route to {a}: {p.stdout}")
            t.assertIn("unreachable", p.stderr.lower())
    # inside a container too (same netns, checked through its own iproute2)
    p = ssh("app-a1", "ip route show default; ip route get 1.1.1.1")
    t.assertNotEqual(p.returncode, 0)
    t.assertIn("unreachable", p.stderr.lower())


def zones_only_via_router(t, lab):
    a1, b1 = lab.hosts["app-a1"], lab.hosts["app-b1"]
    r = json.loads(labtest.sh("ip", "-n", a1.netns, "-j", "route", "get", str(b1.address)).stdout)[0]
    t.assertEqual(r.get("gateway"), str(a1.gateway))
    routes = labtest.sh("ip", "-n", a1.netns, "-4", "route", "show").stdout.splitlines()
    for line in routes:   # only its own segment directly, the rest of the lab via the zone gateway
        dst = line.split()[0]
        t.assertTrue(ipaddress.IPv4Network(dst).subnet_of(lab.supernet), line)
        t.assertTrue(" via " not in line or f"via {a1.gateway}" in line, line)


def ping(src, dst_addr):
    return labtest.sh("ip", "netns", "exec", src.netns, "ping", "-c", "1", "-W", "1", str(dst_addr)).returncode == 0


def cut_and_heal(t, lab):
    a1, b1 = lab.hosts["app-a1"], lab.hosts["app-b1"]
    t.assertTrue(ping(a1, b1.address))
    try:
        p = labtest.lab("cut", "b")
        t.assertEqual(p.returncode, 0, p.stderr)
        t.assertFalse(ping(a1, b1.address), "zone b still reachable after cut")
        t.assertFalse(ping(b1, a1.address))
        t.assertEqual(labtest.status()["zones"]["b"], "cut")
    finally:
        p = labtest.lab("heal", "b")
    t.assertEqual(p.returncode, 0, p.stderr)
    labtest.wait_for(lambda: ping(a1, b1.address), 10, "app-a1 -> app-b1 after heal")
    t.assertEqual(labtest.status()["zones"]["b"], "up")


def apt_repo(t, lab, install):
    """The lab repository works from inside a host (signed, through the router); a package it does
    not carry fails at once, naming the package."""
    p = ssh("app-a2", "sudo apt-get update --error-on=any -q")
    t.assertEqual(p.returncode, 0, p.stdout + p.stderr)
    t.assertIn(lab.apt_uri, p.stdout)
    if install:
        p = ssh("app-a2", "sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q nftables && /usr/sbin/nft --version")
        t.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        t.assertIn("nftables v1.0.6", p.stdout)
    else:
        p = ssh("app-a2", "cd /tmp && apt-get download -q nftables && ls nftables_*.deb && rm -f nftables_*.deb")
        t.assertEqual(p.returncode, 0, p.stdout + p.stderr)
    p = ssh("app-a2", "sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q tandem-no-such-package", timeout=30)
    t.assertEqual(p.returncode, 100, p.stdout + p.stderr)
    t.assertIn("Unable to locate package tandem-no-such-package", p.stderr)


def repo_only_for_hosts(t, lab):
    """The repository server runs unprivileged and answers the lab's hosts only: the client (the
    internet) cannot connect (the router drops it), a host can."""
    pid = read_pid(os.path.join(paths.lab_dir(), "run", "http.pid"))
    with open(f"/proc/{pid}/status") as f:
        uids = next(line.split()[1:] for line in f if line.startswith("Uid:"))
    t.assertNotIn("0", uids, f"the repository server runs as uid {uids}")
    probe = ("import socket,sys\ntry:\n socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2)\n"
             " print('open')\nexcept OSError as e:\n print(type(e).__name__)")
    p = labtest.sh("ip", "netns", "exec", lab.client_netns, "/usr/bin/python3", "-c", probe,
                   str(lab.machine_address), str(lab.apt_port))
    t.assertEqual(p.stdout.strip(), "TimeoutError", f"the client reached the repository: {p.stdout}{p.stderr}")
    p = labtest.sh("ip", "netns", "exec", lab.hosts["app-a1"].netns, "/usr/bin/python3", "-c", probe,
                   str(lab.machine_address), str(lab.apt_port))
    t.assertEqual(p.stdout.strip(), "open", p.stdout + p.stderr)
