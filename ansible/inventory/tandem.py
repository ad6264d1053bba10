#!/usr/bin/python3
"""Tandem dynamic inventory: turns environment.json into Ansible groups and variables.

The environment description (docs/inventory-contract.md) is the only input; its path is
$TANDEM_ENV_FILE (make sets it from lab/tandemlab/paths.py; the lab's file unless told otherwise).
Standard library only.

  tandem.py --list          all groups with hostvars in _meta
  tandem.py --host NAME     the variables of one host
"""
import argparse
import ipaddress
import json
import os
import sys

import schema_lite

SCHEMA = "tandem.environment/v1"
# The contract's JSON Schema (docs/inventory-contract.md): a description that breaks it is refused.
SCHEMA_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "schemas",
                           "environment.schema.json")
GROUPS = ("lb", "app", "obs")


class ContractError(Exception):
    """The document is not a tandem.environment/v1 description."""


def env_file():
    explicit = os.environ.get("TANDEM_ENV_FILE")
    if not explicit:
        raise ContractError("TANDEM_ENV_FILE is not set: run through make (make converge), or set it to "
                            "the environment description to configure")
    return explicit


def load(path):
    try:
        with open(path, encoding="utf-8") as handle:
            doc = json.load(handle)
    except FileNotFoundError as exc:
        raise ContractError(
            f"{path}: no environment description (is the lab up? set TANDEM_ENV_FILE)") from exc
    except json.JSONDecodeError as exc:
        raise ContractError(f"{path}: not valid JSON: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        found = doc.get("schema") if isinstance(doc, dict) else type(doc).__name__
        raise ContractError(f"{path}: schema is {found!r}, this inventory only reads {SCHEMA!r}")
    problems = schema_lite.validate(doc, contract_schema()) or consistency(doc)
    if problems:
        raise ContractError(f"{path}: refused before any play runs:\n  " + "\n  ".join(problems))
    return doc


def contract_schema():
    with open(SCHEMA_FILE, encoding="utf-8") as handle:
        return json.load(handle)


def consistency(doc):
    """What the schema cannot say: every name a field refers to exists, every address lies in its
    network, and the LBs share the VIP's and the VRRP network. Errors name the key ($.path)."""
    nets, problems = doc["networks"], []
    for key in ("network", "vrrp_network"):
        if doc["vip"][key] not in nets:
            problems.append(f"$.vip.{key}: unknown network {doc['vip'][key]!r}")
    if problems:
        return problems
    if ipaddress.ip_address(doc["vip"]["address"]) not in ipaddress.ip_network(nets[doc["vip"]["network"]]["cidr"]):
        problems.append(f"$.vip.address: {doc['vip']['address']} is outside network {doc['vip']['network']}")
    if "gateway" in nets[doc["vip"]["vrrp_network"]]:
        problems.append(f"$.vip.vrrp_network: {doc['vip']['vrrp_network']} has a gateway; VRRP needs a segment "
                        f"no other network can reach")
    for i, host in enumerate(doc["hosts"]):
        problems += host_consistency(doc, host, f"$.hosts[{i}]")
    return problems


def host_consistency(doc, host, where):
    nets, problems = doc["networks"], []
    for j, itf in enumerate(host["interfaces"]):
        net = nets.get(itf["network"])
        if net is None:
            problems.append(f"{where}.interfaces[{j}].network: unknown network {itf['network']!r}")
        elif ipaddress.ip_address(itf["address"]) not in ipaddress.ip_network(net["cidr"]):
            problems.append(f"{where}.interfaces[{j}].address: {itf['address']} is outside {itf['network']} ({net['cidr']})")
    if host["address"] not in [itf["address"] for itf in host["interfaces"]]:
        problems.append(f"{where}.address: {host['address']} is not the address of one of its interfaces")
    if "lb" in host["groups"]:
        on = {itf["network"] for itf in host["interfaces"]}
        for key in ("network", "vrrp_network"):
            if doc["vip"][key] not in on:
                problems.append(f"{where}.interfaces: load balancer {host['name']} has no interface on "
                                f"{doc['vip'][key]} ($.vip.{key})")
    return problems


def host_vars(doc, host):
    ssh = doc["ssh"]
    for key in ("name", "zone", "groups", "address", "interfaces"):
        if key not in host:
            raise ContractError(f"host {host.get('name', '?')!r}: required field {key!r} is missing")
    ipaddress.ip_address(host["address"])
    hv = {
        "ansible_host": host["address"],
        "ansible_user": ssh["user"],
        "ansible_python_interpreter": "/usr/bin/python3",
        "zone": host["zone"],
        "address": host["address"],
        "interfaces": host["interfaces"],
    }
    if ssh.get("private_key_file"):
        hv["ansible_ssh_private_key_file"] = ssh["private_key_file"]
    if ssh.get("common_args"):
        hv["ansible_ssh_common_args"] = ssh["common_args"]
    if ssh["user"] != "root":
        # The admin user has passwordless sudo (contract); every task runs through it.
        hv["ansible_become"] = True
    return hv


def inventory(doc):
    inv = {
        "_meta": {"hostvars": {}},
        "all": {
            "children": ["ungrouped", *GROUPS],
            "vars": {
                "tandem_environment_name": doc.get("name", ""),
                "tandem_provider": doc.get("provider", ""),
                "vip": doc["vip"],
                "networks": doc["networks"],
                "apt": doc.get("apt", {}),
                "egress": doc.get("egress", []),
                "tandem_release_key_fingerprint": doc["release"]["signing_key_fingerprint"],
            },
        },
    }
    for group in GROUPS:
        inv[group] = {"hosts": []}
    for host in zones_alternating(doc["hosts"]):
        inv["_meta"]["hostvars"][host["name"]] = host_vars(doc, host)
        for group in host["groups"]:
            inv.setdefault(group, {"hosts": []})["hosts"].append(host["name"])
    return inv


def zones_alternating(hosts):
    """Hosts sorted by name within each zone, then taken round-robin over the zones (a1, b1, a2,
    b2, ...): a play with `order: inventory` and `serial: 1` never works on one zone twice in a row."""
    by_zone = {}
    for host in sorted(hosts, key=lambda h: h.get("name", "")):
        by_zone.setdefault(host.get("zone", ""), []).append(host)
    lanes = [by_zone[z] for z in sorted(by_zone)]
    return [lane[i] for i in range(max(map(len, lanes), default=0)) for lane in lanes if i < len(lane)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--list", action="store_true")
    mode.add_argument("--host")
    args = parser.parse_args(argv)
    try:
        inv = inventory(load(env_file()))
    except (ContractError, KeyError, ValueError) as exc:
        print(f"tandem inventory: {exc}", file=sys.stderr)
        return 1
    if args.list:
        json.dump(inv, sys.stdout, indent=1, sort_keys=True)
    else:
        json.dump(inv["_meta"]["hostvars"].get(args.host, {}), sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
