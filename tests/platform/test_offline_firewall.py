"""The firewall role renders each host's nftables ruleset from the one policy file
(ansible/group_vars/all/firewall_policy.yml, which Terraform's cloud firewalls read too).

The template is rendered for every host of the lab's environment (the fixture, same shape as what
`lab/lab up` writes) and of a Terraform environment (staging's pinned output), offline
(rolerender.py); each file passes `nft -c` in an anonymous network namespace (unshare -n: nothing
under /run/netns). Then the rendered rules are read back and compared with what this test computes
from the policy on its own: every accept rule of the input chain, and every host-to-host rule of
the output chain, must be one the policy names, and every rule the policy names must be there.
A rule this reader does not understand fails the test, so a new kind of rule cannot slip past it.
The key facts are asserted on their own as well: SSH only from the admin network, HTTP/HTTPS only
to the VIP and only with the listening-socket match, VRRP only from the peer LB on the VRRP
interface. The contract's `egress` entries (a Terraform environment's DNS, mirrors, API and metadata
service; the lab has none) become output rules on their groups' hosts, each after its "# egress:"
comment, and the inventory script refuses an entry with a bad proto or CIDR. Python 3.11 standard
library plus PyYAML (Debian's, which Ansible needs anyway).
"""
import json
import os
import re
import subprocess
import tempfile
import unittest
import urllib.parse

import yaml

import rolerender

POLICY_FILE = os.path.join(rolerender.ANSIBLE, "group_vars", "all", "firewall_policy.yml")
PORTS_FILE = os.path.join(rolerender.ANSIBLE, "group_vars", "all", "ports.yml")
SETS = {"admin": "@admin_net", "hosts": "@lab_hosts", "all": "@lab_hosts", "lb": "@lbs", "app": "@apps", "obs": "@obs"}
# Accept rules that are not the policy's: loopback, replies, ICMP errors.
INPUT_BASELINE = {'iif "lo" accept', "ct state established,related accept",
                  "icmp type { destination-unreachable, time-exceeded, parameter-problem } accept"}
OUTPUT_BASELINE = {'oif "lo" accept', "ct state established,related accept",
                   "icmp type { destination-unreachable, time-exceeded, parameter-problem, echo-request, echo-reply } accept"}
RULE = re.compile(
    r'^(?:(?P<dir>iif|oif)name "(?P<ifname>[^"]+)" )?'
    r"(?:icmp type (?P<icmp>echo-request) )?"
    r"(?:ip saddr (?P<saddr>\S+) )?(?:ip daddr (?P<daddr>\S+) )?"
    r"(?:(?P<l4>tcp|udp) dport (?P<ports>\d+|\{ [\d, ]+ \}) |ip protocol (?P<ipproto>112) )?"
    r"(?P<ct>ct state new )?(?P<socket>socket transparent 0 )?(?:limit rate (?P<rate>\S+) )?accept$")


def load_yaml(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def policy():
    return load_yaml(POLICY_FILE)["tandem_firewall_policy"]


def port_numbers():
    return load_yaml(PORTS_FILE)["tandem_ports"]


def chain(text, name):
    """The rule lines of one chain (comments and the chain's type line left out)."""
    body = text[text.index(f"chain {name} {{"):]
    body = body[:body.index("\n\t}")]
    return [line.strip() for line in body.splitlines()[2:] if line.strip() and not line.strip().startswith("#")]


def facts(line):
    """The atomic facts of one accept rule: {(ifname, saddr, daddr, proto, port, ct_new, socket, rate)}."""
    match = RULE.match(line)
    if not match or not (match["icmp"] or match["l4"] or match["ipproto"]):
        raise AssertionError(f"a rule this test does not understand: {line}")
    proto = match["l4"] or ("icmp" if match["icmp"] else "vrrp")
    ports = [int(p) for p in re.findall(r"\d+", match["ports"])] if match["ports"] else [None]
    return {(match["ifname"], match["saddr"], match["daddr"], proto, port, bool(match["ct"]), bool(match["socket"]),
             match["rate"]) for port in ports}


def rendered_facts(lines, baseline):
    out = set()
    for line in lines:
        if line in baseline or not line.endswith("accept"):
            continue
        out |= facts(line)
    return out


class Environment:
    """What the test needs of one environment description: groups, addresses, the VIP."""

    def __init__(self, path):
        with open(path, encoding="utf-8") as handle:
            self.doc = json.load(handle)
        self.hosts = {host["name"]: host for host in self.doc["hosts"]}
        self.vip = self.doc["vip"]["address"]

    def groups(self, name):
        return set(self.hosts[name]["groups"])

    def members(self, group):
        return [h for h in self.hosts.values() if group in h["groups"]]

    def vrrp(self, name):
        """(this host's VRRP interface name, [the peers' addresses there])."""
        net = self.doc["vip"]["vrrp_network"]
        mine = next(i["name"] for i in self.hosts[name]["interfaces"] if i["network"] == net)
        peers = sorted(i["address"] for h in self.members("lb") if h["name"] != name
                       for i in h["interfaces"] if i["network"] == net)
        return mine, peers


def expected_input(env, name, rules, ports):
    """The input chain's facts the policy names for one host, computed here, not by the template."""
    groups, out = env.groups(name), set()
    for rule in rules:
        if rule["to"] != "all" and rule["to"] not in groups:
            continue
        if rule.get("via") == "vrrp":
            ifname, peers = env.vrrp(name)
            ends = [(ifname, peer) for peer in peers]
        elif rule["from"] == "any":
            ends = [(None, None)]
        elif rule["from"] in ("admin", "hosts") or env.members(rule["from"]):
            ends = [(None, SETS[rule["from"]])]
        else:
            ends = []
        daddr = env.vip if rule.get("daddr") == "vip" else None
        for ifname, saddr in ends:
            for port in [ports[p] for p in rule.get("ports", [])] or [None]:
                out.add((ifname, saddr, daddr, rule["proto"], port, rule.get("ct_state", "new") == "new",
                         bool(rule.get("listening")), rule.get("rate")))
    return out


def expected_output(env, name, doc, ports):
    """Host-to-host output facts: group G may send to H's port P exactly when the policy lets G reach
    H on P (tcp, udp, vrrp); then the outbound rules."""
    groups, out = env.groups(name), set()
    for rule in doc["inbound"] + doc.get("outbound", []):
        if rule["proto"] == "icmp" or not (rule["from"] == "hosts" or rule["from"] in groups):
            continue
        if rule.get("via") == "vrrp":
            ifname, peers = env.vrrp(name)
            ends = [(ifname, peer) for peer in peers]
        elif rule.get("daddr") == "vip" or rule["to"] == "vip":
            ends = [(None, env.vip)]
        elif rule["to"] == "all" or env.members(rule["to"]):
            ends = [(None, SETS[rule["to"]])]
        else:
            ends = []
        for ifname, daddr in ends:
            for port in [ports[p] for p in rule.get("ports", [])] or [None]:
                out.add((ifname, None, daddr, rule["proto"], port, False, False, None))
    return out


def egress_lines(env, name):
    """[(name, nft rule)] of the environment's egress entries for one host, computed here."""
    groups, out = env.groups(name), []
    for entry in env.doc.get("egress", []):
        if "all" not in entry["groups"] and not groups & set(entry["groups"]):
            continue
        cidrs, ports = entry["cidrs"], [str(port) for port in entry["ports"]]
        daddr = cidrs[0] if len(cidrs) == 1 else "{ " + ", ".join(cidrs) + " }"
        dport = ports[0] if len(ports) == 1 else "{ " + ", ".join(ports) + " }"
        out.append((entry["name"], f"ip daddr {daddr} {entry['proto']} dport {dport} accept"))
    return out


def nft_check(text):
    """(rc, output) of `nft -c -f` on the text, in an anonymous network namespace."""
    with tempfile.NamedTemporaryFile("w", suffix=".nft") as handle:
        handle.write(text)
        handle.flush()
        proc = subprocess.run(["unshare", "-n", "nft", "-c", "-f", handle.name], text=True, capture_output=True,
                              timeout=60, check=False)
    return proc.returncode, proc.stdout + proc.stderr


class Firewall(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.policy, cls.ports = policy(), port_numbers()
        cls.envs = {
            "lab": (Environment(rolerender.FIXTURE), rolerender.render("firewall", "nftables.conf.j2")),
            "cloud": (Environment(rolerender.CLOUD_FIXTURE),
                      rolerender.render("firewall", "nftables.conf.j2", env_file=rolerender.CLOUD_FIXTURE)),
        }

    def each_host(self):
        """[(environment kind, Environment, host, rendered ruleset)] of both environments."""
        hosts = []
        for kind, (env, rendered) in self.envs.items():
            self.assertEqual(sorted(rendered), sorted(env.hosts), f"{kind}: a ruleset per host")
            hosts += [(kind, env, name, text) for name, text in rendered.items()]
        return hosts

    def test_every_ruleset_passes_nft_check(self):
        count = 0
        for kind, _, name, text in self.each_host():
            with self.subTest(env=kind, host=name):
                rc, out = nft_check(text)
                self.assertEqual(rc, 0, out)
                count += 1
        print(f"  nft -c: {count} rulesets (lab and cloud) valid")

    def test_input_chain_is_the_policy(self):
        total = 0
        for kind, env, name, text in self.each_host():
            with self.subTest(env=kind, host=name):
                got = rendered_facts(chain(text, "input"), INPUT_BASELINE)
                want = expected_input(env, name, self.policy["inbound"], self.ports)
                self.assertEqual(sorted(got - want, key=str), [], "accepted in the input chain, not in the policy")
                self.assertEqual(sorted(want - got, key=str), [], "in the policy, not in the input chain")
                total += len(got)
        print(f"  input: {total} (interface, source, destination, proto, port, flags) facts, as the policy says")

    def test_output_chain_is_the_policy(self):
        for kind, env, name, text in self.each_host():
            with self.subTest(env=kind, host=name):
                lines = chain(text, "output")
                # SSH replies by source port (the other half of `ct_state: any` SSH), and the apt
                # repository where the environment has one (the lab), are the template's own.
                own = [f"ip daddr @admin_net tcp sport {self.ports['ssh']} accept"]
                if "apt" in env.doc:
                    repo = urllib.parse.urlsplit(env.doc["apt"]["uri"])
                    own.append(f"ip daddr {repo.hostname} tcp dport {repo.port or 80} accept")
                self.assertEqual([line for line in own if line in lines], own)
                self.assertEqual(kind == "lab", "apt" in env.doc)
                egress = [rule for _, rule in egress_lines(env, name)]
                self.assertEqual([line for line in lines if line in egress], egress)
                own += egress
                got = rendered_facts([line for line in lines if line not in own], OUTPUT_BASELINE)
                self.assertEqual(got, expected_output(env, name, self.policy, self.ports))

    def test_egress_only_where_the_environment_names_it(self):
        """Cloud hosts: each egress entry of their groups, after its comment; the lab: none."""
        counts = {}
        for kind, env, name, text in self.each_host():
            with self.subTest(env=kind, host=name):
                want = egress_lines(env, name)
                body = text[text.index("chain output {"):]
                got = re.findall(r"^\t\t# egress: (\S+)\n\t\t(.*)$", body, re.M)
                self.assertEqual(got, want)
                self.assertEqual(body.count("# egress:"), len(want))
                if kind == "lab":
                    self.assertEqual(want, [], "the lab's environment names no egress")
                else:
                    names = {entry for entry, _ in want}
                    self.assertTrue({"dns-udp", "dns-tcp", "debian-mirrors"} <= names)
                    self.assertEqual({"hetzner-metadata", "hetzner-api"} <= names, "lb" in env.groups(name))
                counts[kind] = counts.get(kind, 0) + len(want)
        print(f"  egress: {counts} rules rendered (lab none; cloud each after its comment)")

    def test_bad_egress_entry_refused_by_the_inventory(self):
        """The inventory script (the contract's schema) refuses a bad proto or CIDR before any play."""
        with open(rolerender.CLOUD_FIXTURE, encoding="utf-8") as handle:
            doc = json.load(handle)
        good = doc["egress"][0]
        for field, value, where in (("proto", "icmp", "$.egress[0].proto"), ("cidrs", ["185.12.64.1"], "$.egress[0].cidrs[0]"),
                                    ("cidrs", ["10.0.0.0/33"], "$.egress[0].cidrs[0]")):
            with self.subTest(field=field, value=value), tempfile.NamedTemporaryFile("w", suffix=".json") as handle:
                json.dump(dict(doc, egress=[dict(good, **{field: value})]), handle)
                handle.flush()
                proc = subprocess.run(["/usr/bin/python3", rolerender.INVENTORY, "--list"], text=True,
                                      capture_output=True, timeout=60, check=False,
                                      env=dict(os.environ, TANDEM_ENV_FILE=handle.name))
                self.assertNotEqual(proc.returncode, 0, proc.stdout)
                self.assertIn(where, proc.stderr)
        # and the unchanged document is accepted (the refusals above are the bad field's)
        proc = subprocess.run(["/usr/bin/python3", rolerender.INVENTORY, "--list"], text=True, capture_output=True,
                              timeout=60, check=False, env=dict(os.environ, TANDEM_ENV_FILE=rolerender.CLOUD_FIXTURE))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(json.loads(proc.stdout)["all"]["vars"]["egress"], doc["egress"])

    def test_ssh_only_from_the_admin_network(self):
        ssh = self.ports["ssh"]
        for kind, env, name, text in self.each_host():
            with self.subTest(env=kind, host=name):
                rules = [line for line in chain(text, "input") if re.search(rf"\bdport ({ssh}|\{{[^}}]*\b{ssh}\b)", line)]
                self.assertEqual(rules, [f"ip saddr @admin_net tcp dport {ssh} accept"])
                self.assertIn(f"elements = {{ {env.doc['networks']['admin']['cidr']} }}", text)

    def test_http_and_https_only_to_the_vip_while_haproxy_listens(self):
        want = [f"tcp dport {{ {self.ports['http']}, {self.ports['https']} }} ct state new socket transparent 0 accept"]
        for kind, env, name, text in self.each_host():
            with self.subTest(env=kind, host=name):
                public = [line for line in chain(text, "input") if line.endswith("accept") and "saddr" not in line
                          and line not in INPUT_BASELINE]
                vip = [f"ip daddr {env.vip} {rule}" for rule in want]
                self.assertEqual(public, vip if "lb" in env.groups(name) else [], "what anyone may reach")

    def test_vrrp_only_from_the_peer_on_the_vrrp_interface(self):
        for kind, env, name, text in self.each_host():
            with self.subTest(env=kind, host=name):
                vrrp_in = [line for line in chain(text, "input") if "112" in line]
                vrrp_out = [line for line in chain(text, "output") if "112" in line]
                if "lb" not in env.groups(name):
                    self.assertEqual(vrrp_in + vrrp_out, [])
                    continue
                ifname, peers = env.vrrp(name)
                self.assertEqual(len(peers), 1)
                self.assertEqual(vrrp_in, [f'iifname "{ifname}" ip saddr {peers[0]} ip protocol 112 accept'])
                self.assertEqual(vrrp_out, [f'oifname "{ifname}" ip daddr {peers[0]} ip protocol 112 accept'])

    def test_policy_ports_are_named_ports(self):
        names = {port for rule in self.policy["inbound"] + self.policy["outbound"] for port in rule.get("ports", [])}
        self.assertEqual(names - set(self.ports), set(), "policy ports missing from group_vars/all/ports.yml")

    def test_a_changed_policy_changes_the_ruleset(self):
        """Not vacuous: SSH opened to the internet in the policy reaches the rendered input chain."""
        opened = dict(self.policy, inbound=self.policy["inbound"] + [{"to": "all", "from": "any", "proto": "tcp",
                                                                       "ports": ["ssh"]}])
        text = rolerender.render("firewall", "nftables.conf.j2", hosts="app-a1",
                                 extra_vars={"firewall_policy": opened})["app-a1"]
        self.assertIn(f"tcp dport {self.ports['ssh']} ct state new accept", chain(text, "input"))


if __name__ == "__main__":
    unittest.main()
