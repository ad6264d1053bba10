"""One firewall policy: terraform/policy/firewall.yml (which the cloud firewalls are computed from)
must say exactly what the hosts' nftables template allows inbound, rule for rule, by port name.

The template (ansible/roles/firewall/templates/nftables.conf.j2) is read as text: each accept rule
of its input chain becomes (to, from, proto, port) facts, `to` from the `{% if 'GROUP' in
group_names %}` block it sits in, `from` from the address set it names. An accept rule this reader
does not understand fails the test, so a new rule cannot slip past it. Port lists held in the role's
vars (firewall_obs_admin_ports, firewall_obs_peer_ports) are resolved from vars/main.yml."""
import os
import re
import unittest

import tfkit

ROLE = os.path.join(tfkit.ROOT, "ansible", "roles", "firewall")
TEMPLATE = os.path.join(ROLE, "templates", "nftables.conf.j2")
ROLE_VARS = os.path.join(ROLE, "vars", "main.yml")
POLICY = os.path.join(tfkit.TERRAFORM, "policy", "firewall.yml")
PORTS = os.path.join(tfkit.ROOT, "ansible", "group_vars", "all", "ports.yml")

SETS = {"@admin_net": "admin", "@lbs": "lb", "@apps": "app", "@obs": "obs", "@lab_hosts": "hosts"}
# Accept rules of the input chain that are not policy: loopback, replies, ICMP errors, extras.
BASELINE = ('iif "lo" accept', "ct state established,related accept",
            "icmp type { destination-unreachable, time-exceeded, parameter-problem } accept", "{{ rule }}")


def role_port_lists():
    """firewall_obs_admin_ports etc.: name -> [port names], from the role's vars file."""
    with open(ROLE_VARS, encoding="utf-8") as handle:
        text = handle.read()
    lists = {}
    for name, body in re.findall(r"^(firewall_\w+_ports):\s*>-\s*\n\s*\{\{\s*\[([^\]]*)\]", text, re.M):
        lists[name] = re.findall(r"'(\w+)'", body)
    return lists


def port_names(expr, lists):
    """Port names in a dport expression: {{ firewall_ports.x }}, or a list variable joined."""
    names = re.findall(r"firewall_ports\.(\w+)", expr)
    for var in re.findall(r"\{\{\s*(firewall_\w+_ports)\s*\|", expr):
        names += lists[var]
    return names


def input_chain(text):
    return text[text.index("chain input {"):text.index("chain forward {")]


def rule_facts(line, lists):
    """(from, [proto], [port names]) of one accept rule, or None when it is not a policy rule."""
    src = re.search(r"ip saddr (@\w+)", line)
    source = SETS[src.group(1)] if src else None
    if "ip protocol 112" in line and "ip saddr {{ peer }}" in line:
        return "lb", ["vrrp"], [None]
    if "icmp type echo-request" in line:
        return source, ["icmp"], [None]
    if "meta l4proto { tcp, udp } th dport" in line:
        return source, ["tcp", "udp"], port_names(line.split("th dport", 1)[1], lists)
    if "tcp dport" in line:
        if source is None and "ip daddr {{ vip.address }}" in line:
            source = "any"
        return source, ["tcp"], port_names(line.split("tcp dport", 1)[1], lists)
    return None


def template_facts():
    """{(to, from, proto, port)} allowed by the template's input chain."""
    with open(TEMPLATE, encoding="utf-8") as handle:
        chain = input_chain(handle.read())
    lists, facts, stack = role_port_lists(), set(), []
    for raw in chain.splitlines():
        line = raw.strip()
        if line.startswith("{% if"):
            group = re.match(r"\{% if '(\w+)' in group_names %\}", line)
            stack.append(group.group(1) if group else None)
        elif line.startswith("{% endif"):
            stack.pop()
        elif line.endswith("accept") and not line.startswith("#") and line not in BASELINE:
            parsed = rule_facts(line, lists)
            if parsed is None or parsed[0] is None or not parsed[2]:
                raise AssertionError(f"an input rule the policy reader does not understand: {line}")
            to = next((g for g in reversed(stack) if g), "all")
            source, protos, ports = parsed
            facts |= {(to, source, proto, port) for proto in protos for port in ports}
    return facts


def load_yaml_flow_rules(path):
    """The policy's inbound rules. The file is flow-style YAML, one rule a line, so the stdlib reads it."""
    rules = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            match = re.match(r"\s*-\s*\{(.*)\}\s*$", line)
            if not match:
                continue
            rule = {}
            for key, value in re.findall(r"(\w+):\s*(\[[^\]]*\]|[^,]+)", match.group(1)):
                rule[key] = [v.strip() for v in value.strip("[]").split(",")] if value.startswith("[") else value.strip()
            rules.append(rule)
    return rules


def policy_facts():
    return {(r["to"], r["from"], r["proto"], port)
            for r in load_yaml_flow_rules(POLICY) for port in r.get("ports", [None])}


def port_table():
    with open(PORTS, encoding="utf-8") as handle:
        return dict(re.findall(r"^\s+(\w+):\s*(\d+)\s*$", handle.read(), re.M))


class Policy(unittest.TestCase):
    def test_template_and_policy_agree(self):
        template, policy = template_facts(), policy_facts()
        self.assertEqual(sorted(policy - template, key=str), [], "in terraform/policy/firewall.yml, not in nftables.conf.j2")
        self.assertEqual(sorted(template - policy, key=str), [], "in nftables.conf.j2, not in terraform/policy/firewall.yml")
        print(f"  policy: {len(policy)} (group, source, proto, port) facts, the same in both")

    def test_policy_ports_are_named_ports(self):
        ports = port_table()
        unknown = {port for (_, _, _, port) in policy_facts() if port is not None and port not in ports}
        self.assertEqual(unknown, set(), "policy ports missing from ansible/group_vars/all/ports.yml")

    def test_ssh_only_from_the_admin_network(self):
        sources = {source for (_, source, proto, port) in policy_facts() if port == "ssh"}
        self.assertEqual(sources, {"admin"})

    def test_reader_sees_a_changed_rule(self):
        """The comparison is not vacuous: a policy that opens SSH to the internet differs from the template."""
        facts = policy_facts() | {("all", "any", "tcp", "ssh")}
        self.assertNotEqual(facts, template_facts())


if __name__ == "__main__":
    unittest.main()
