"""Outputs: environment.json (docs/inventory-contract.md) and an Ansible inventory (YAML)."""
import json
import os

from . import repo
from .util import state_dir

SSH_COMMON_ARGS = "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null"


def env_path():
    return os.path.join(state_dir(), "environment.json")


def inventory_path():
    return os.path.join(state_dir(), "inventory.yml")


def ssh_key():
    return os.path.join(state_dir(), "ssh", "id_ed25519")


def environment(lab):
    nets = {"admin": {"cidr": str(lab.admin_cidr)}}
    for n in lab.networks.values():
        d = {"cidr": str(n.cidr), "gateway": str(n.gateway)}
        if n.zone:
            d["zone"] = n.zone
        nets[n.name] = d
    return {
        "schema": "tandem.environment/v1",
        "name": lab.name,
        "provider": "lab",
        "vip": {"address": str(lab.vip), "prefix": lab.vip_network.cidr.prefixlen, "network": lab.vip_network.name},
        "networks": nets,
        "ssh": {"user": lab.ssh_user, "private_key_file": ssh_key(), "common_args": SSH_COMMON_ARGS},
        "apt": {"uri": lab.apt_uri, "suite": lab.suite, "component": "main", "keyring_file": repo.keyring_file()},
        "hosts": [
            {"name": h.name, "zone": h.zone, "groups": list(h.groups), "address": str(h.address),
             "interfaces": [{"name": i.ifname, "network": i.network.name, "address": str(i.address),
                             "prefix": i.prefix} for i in h.interfaces]}
            for h in lab.hosts.values()
        ],
    }


def _q(s):
    return json.dumps(str(s))  # JSON strings are valid YAML scalars


def inventory(lab):
    lines = ["# Written by lab/lab from the lab description; regenerated on every `up`.", "all:", "  vars:",
             f"    ansible_user: {_q(lab.ssh_user)}",
             f"    ansible_ssh_private_key_file: {_q(ssh_key())}",
             f"    ansible_ssh_common_args: {_q(SSH_COMMON_ARGS)}",
             "    ansible_python_interpreter: /usr/bin/python3",
             f"    tandem_vip: {_q(lab.vip)}",
             f"    tandem_env_file: {_q(env_path())}",
             "  hosts:"]
    for h in lab.hosts.values():
        lines += [f"    {h.name}:", f"      ansible_host: {_q(h.address)}", f"      tandem_zone: {_q(h.zone)}"]
    groups = {}
    for h in lab.hosts.values():
        for g in h.groups + [f"zone_{h.zone}"]:
            groups.setdefault(g.replace("-", "_"), []).append(h.name)
    lines.append("  children:")
    for g, members in groups.items():
        lines += [f"    {g}:", "      hosts:"] + [f"        {m}: {{}}" for m in members]
    return "\n".join(lines) + "\n"


def _atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def write(lab):
    """Write both files; returns the number that changed."""
    changed = 0
    for path, text in ((env_path(), json.dumps(environment(lab), indent=2) + "\n"), (inventory_path(), inventory(lab))):
        try:
            if open(path).read() == text:
                continue
        except OSError:
            pass
        _atomic(path, text)
        changed += 1
    return changed
