"""The lab's one output: environment.json (docs/inventory-contract.md), which Ansible's inventory
script (ansible/inventory/tandem.py) and the tests read."""
import json
import os
import subprocess

from . import repo
from .paths import lab_dir, release_key_dir
from .paths import lab_env_file as env_path  # the lab always writes its own file

def ssh_key():
    return os.path.join(lab_dir(), "ssh", "id_ed25519")


def known_hosts():
    """The lab made every host key, so it knows them all: ssh trusts these and nothing else."""
    return os.path.join(lab_dir(), "ssh", "known_hosts")


def ssh_common_args():
    return f"-o StrictHostKeyChecking=yes -o UserKnownHostsFile={known_hosts()}"


def write_known_hosts(lab, host_key):
    """known_hosts from each host's public host key (host_key(h) returns its text); 1 if it changed."""
    lines = []
    for h in lab.hosts.values():
        algo, key = host_key(h).split()[:2]
        lines.append(f"{h.address},{h.name} {algo} {key}")
    return _write_if_changed(known_hosts(), "\n".join(lines) + "\n")


def release_key_fingerprint():
    """The release key the lab's hosts trust, pinned here by fingerprint (tools/release-key makes the
    key on first use, outside the repository, and prints its fingerprint)."""
    tool = os.path.join(os.path.dirname(__file__), "..", "..", "tools", "release-key")
    env = dict(os.environ, TANDEM_RELEASE_KEY_DIR=release_key_dir())
    return subprocess.run([tool], env=env, check=True, text=True, stdout=subprocess.PIPE).stdout.strip()


def environment(lab):
    nets = {"admin": {"cidr": str(lab.admin_cidr)}}
    for n in lab.networks.values():
        d = {"cidr": str(n.cidr)}
        if n.routed:
            d["gateway"] = str(n.gateway)
        if n.zone:
            d["zone"] = n.zone
        nets[n.name] = d
    return {
        "schema": "tandem.environment/v1",
        "name": lab.name,
        "provider": "lab",
        "vip": {"address": str(lab.vip), "prefix": lab.vip_network.cidr.prefixlen, "network": lab.vip_network.name,
                "vrrp_network": lab.vrrp_network.name},
        "networks": nets,
        "ssh": {"user": lab.ssh_user, "private_key_file": ssh_key(), "known_hosts_file": known_hosts(),
                "common_args": ssh_common_args()},
        "release": {"signing_key_fingerprint": release_key_fingerprint()},
        "apt": {"uri": lab.apt_uri, "suite": lab.suite, "component": "main", "keyring_file": repo.keyring_file()},
        "hosts": [
            {"name": h.name, "zone": h.zone, "groups": list(h.groups), "address": str(h.address),
             "interfaces": [{"name": i.ifname, "network": i.network.name, "address": str(i.address),
                             "prefix": i.prefix} for i in h.interfaces]}
            for h in lab.hosts.values()
        ],
    }


def _atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def write(lab):
    """Write environment.json; returns 1 if it changed, else 0."""
    return _write_if_changed(env_path(), json.dumps(environment(lab), indent=2) + "\n")


def _write_if_changed(path, text):
    try:
        with open(path) as f:
            if f.read() == text:
                return 0
    except OSError:
        pass
    _atomic(path, text)
    return 1
