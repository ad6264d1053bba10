"""Attacks from the audit (issue 10), replayed against the converged lab; each must fail.

- forged VRRP adverts from the public segment (the client namespace) while load runs: the VIP stays
  on exactly one LB, the same one, and no request fails;
- SSH: every host offers exactly the algorithm policy of the hardening role's defaults (host key,
  kex, ciphers, MACs, read from the server's own KEXINIT) and no forwarding;
- host keys: Ansible's ssh refuses a host whose key changed.
"""
import json
import os
import re
import subprocess
import tempfile
import time
import unittest

import platformlab as pl

FORGE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vrrp_forge.py")
FORGE_SECONDS = 4
THREADS = 4
# The VRRP multicast group: a forger does not need to know the LBs' addresses.
VRRP_GROUP = "224.0.0.18"


def lb_addresses(name):
    return [i["address"] for i in pl.host(name)["interfaces"]]


def holders():
    """Every LB that has the VIP right now (asked from the machine, through the namespaces)."""
    vip = pl.environment()["vip"]["address"]
    return [lb["name"] for lb in pl.hosts("lb")
            if f" {vip}/" in pl.run(["ip", "-n", pl.host_netns(lb["name"]), "-4", "-br", "addr"]).stdout]


class VrrpForgeryTest(unittest.TestCase):
    def forged_pairs(self):
        """SOURCE:TARGET pairs: each LB hears adverts forged with every address of its peer, sent to
        each of its addresses the client can route to, and to the VRRP multicast group."""
        pairs = []
        lbs = [lb["name"] for lb in pl.hosts("lb")]
        for target in lbs:
            for peer in (lb for lb in lbs if lb != target):
                for source in lb_addresses(peer):
                    pairs += [f"{source}:{dst}" for dst in lb_addresses(target) + [VRRP_GROUP]]
        return pairs

    def test_forged_adverts_from_the_public_segment_change_nothing(self):
        before = holders()
        self.assertEqual(len(before), 1, f"the VIP is not on exactly one LB before the forgery: {before}")
        vrid = pl.role_defaults("keepalived")["keepalived_virtual_router_id"]
        argv = [pl.PYTHON, FORGE, str(vrid), "254", pl.environment()["vip"]["address"], str(FORGE_SECONDS), "0.02",
                *self.forged_pairs()]

        def forge():
            proc = subprocess.Popen(["ip", "netns", "exec", pl.client_netns(), *argv], text=True,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            seen = []
            while proc.poll() is None:          # sample the holders for as long as the forgery runs
                seen.append(tuple(holders()))
                time.sleep(0.05)                # the sampling pace, not a synchronisation
            out, err = proc.communicate()
            self.assertEqual(proc.returncode, 0, err)
            seen.append(tuple(holders()))
            return json.loads(out), seen

        (sent, seen), load, _, _ = pl.under_load(forge, 1000, THREADS, 100, mix="get")
        changed = sorted({s for s in seen if list(s) != before})
        print(f"\n  {sent['sent']} forged adverts (priority 254) from the client namespace in {FORGE_SECONDS} s: "
              f"VIP holders sampled {len(seen)} times, other than {before}: {changed}; load: {pl.describe(load)}",
              flush=True)
        self.assertGreater(sent["sent"], 100, "the forger sent (almost) nothing: the test would prove nothing")
        self.assertEqual(changed, [], "forged adverts moved the VIP")
        self.assertEqual(load["failed"], 0, load["failures"][:5])


def offered_algorithms(address):
    """What sshd on `address` offers, from its KEXINIT as `ssh -vv` prints it (the client's offer is
    printed first, the server's after "peer server KEXINIT proposal")."""
    proc = pl.run(pl.ssh_argv(address, "true", extra=("-vv", "-o", "LogLevel=DEBUG2")), timeout=60)
    lines = proc.stderr.splitlines()
    start = next(i for i, line in enumerate(lines) if "peer server KEXINIT proposal" in line)
    found = {}
    for line in lines[start:start + 12]:
        m = re.match(r"debug2: (KEX algorithms|host key algorithms|ciphers ctos|ciphers stoc|MACs ctos|MACs stoc): (.*)$",
                     line)
        if m:
            found[m.group(1)] = m.group(2).split(",")
    return found


class SshPolicyTest(unittest.TestCase):
    # Markers in the KEX list that are no algorithms (RFC 8308 ext-info, the Terrapin strict-kex flag).
    KEX_MARKERS = {"ext-info-s", "kex-strict-s-v00@openssh.com"}

    def test_every_host_offers_exactly_the_policy(self):
        policy = pl.role_defaults("hardening")
        want = {"KEX algorithms": policy["hardening_ssh_kex"],
                "host key algorithms": policy["hardening_ssh_host_key_algorithms"],
                "ciphers ctos": policy["hardening_ssh_ciphers"], "ciphers stoc": policy["hardening_ssh_ciphers"],
                "MACs ctos": policy["hardening_ssh_macs"], "MACs stoc": policy["hardening_ssh_macs"]}
        print()
        for h in pl.hosts():
            got = offered_algorithms(h["address"])
            got["KEX algorithms"] = [a for a in got.get("KEX algorithms", []) if a not in self.KEX_MARKERS]
            self.assertEqual(got, want, h["name"])
            print(f"  {h['name']}: host keys {got['host key algorithms']}, kex {got['KEX algorithms']}, "
                  f"ciphers {got['ciphers ctos']}, MACs {got['MACs ctos']}")

    def test_only_the_ed25519_host_key_exists_and_no_forwarding(self):
        for h in pl.hosts():
            proc = pl.ssh(h["name"], "ls /etc/ssh/ | grep '^ssh_host_'; sudo -n sshd -T | grep -E "
                                     "'^(disableforwarding|allowtcpforwarding|allowagentforwarding|x11forwarding|"
                                     "allowstreamlocalforwarding|permittunnel) '")
            self.assertEqual(proc.returncode, 0, proc.stderr)
            lines = proc.stdout.split("\n")
            self.assertEqual([x for x in lines if x.startswith("ssh_host_")],
                             ["ssh_host_ed25519_key", "ssh_host_ed25519_key.pub"], h["name"])
            settings = dict(x.split(" ", 1) for x in lines if x and not x.startswith("ssh_host_"))
            self.assertEqual(settings, {"disableforwarding": "yes", "allowtcpforwarding": "no",
                                        "allowagentforwarding": "no", "x11forwarding": "no",
                                        "allowstreamlocalforwarding": "no", "permittunnel": "no"}, h["name"])


class HostKeyTest(unittest.TestCase):
    """The lab wrote known_hosts when it made the keys; a host whose key changed is refused."""
    HOST = "app-b2"
    KEY = "/etc/ssh/ssh_host_ed25519_key"

    def on_host(self, command):
        """A command on the host without SSH (the lab's console): SSH is what this test breaks."""
        proc = pl.run([pl.PYTHON, pl.LAB, "exec", self.HOST, "sh", "-c", command])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return proc.stdout

    def restore(self):
        self.on_host(f"mv {self.KEY}.test-orig {self.KEY} && mv {self.KEY}.pub.test-orig {self.KEY}.pub "
                     f"&& systemctl reload ssh.service")
        pl.wait_until(lambda: pl.ssh(self.HOST, "true").returncode == 0, 30, f"ssh to {self.HOST} with its own key")

    def test_a_changed_host_key_is_refused(self):
        self.assertEqual(pl.ssh(self.HOST, "true").returncode, 0, "ssh fails before the key changed")
        self.on_host(f"cp -p {self.KEY} {self.KEY}.test-orig && cp -p {self.KEY}.pub {self.KEY}.pub.test-orig && "
                     f"rm -f {self.KEY} {self.KEY}.pub && ssh-keygen -q -t ed25519 -N '' -f {self.KEY} && "
                     f"systemctl reload ssh.service")
        self.addCleanup(self.restore)
        # what Ansible runs: its ssh with the contract's common_args (known_hosts, strict checking)
        # (a fresh connection: no multiplexed master from earlier logins)
        proc = pl.run(["ansible", self.HOST, "-m", "ansible.builtin.ping"], cwd=pl.ANSIBLE_DIR,
                      env={**pl.path_env(), "ANSIBLE_SSH_ARGS": "-o ControlMaster=no -o ControlPath=none"}, timeout=120)
        print(f"\n  ansible ping {self.HOST} with a new host key: rc {proc.returncode}", flush=True)
        self.assertNotEqual(proc.returncode, 0, proc.stdout)
        self.assertIn("REMOTE HOST IDENTIFICATION HAS CHANGED", proc.stdout + proc.stderr)


class LockOutTest(unittest.TestCase):
    """An admin network that does not contain the controller would let the firewall shut SSH on it
    half-way through a converge: site.yml refuses before it touches any host."""

    def test_an_admin_network_without_the_controller_is_refused_before_any_host(self):
        networks = pl.environment()["networks"]
        networks["admin"]["cidr"] = "192.0.2.0/24"      # TEST-NET-1: never the controller's
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
            json.dump({"networks": networks}, handle)
        self.addCleanup(os.unlink, handle.name)
        proc = pl.playbook("-e", f"@{handle.name}", timeout=300)
        out = proc.stdout + proc.stderr
        self.assertNotEqual(proc.returncode, 0, out[-3000:])
        self.assertIn("networks.admin.cidr: 192.0.2.0/24 does not contain", out)
        self.assertEqual(set(pl.recap(proc.stdout)), {"localhost"}, "a play ran on a host after the refusal")


if __name__ == "__main__":
    unittest.main()
