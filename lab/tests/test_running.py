"""Lab tests against a lab that is up (`make lab-up`, or the one `make test` brings up). They leave
the lab as they found it: cut zones are healed, nothing is installed."""
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checks  # noqa: E402
import labtest  # noqa: E402


class RunningLab(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = checks.lab_config()
        if labtest.lab("env").returncode != 0:
            raise unittest.SkipTest("the lab is not up (run `make lab-up`)")

    def test_environment_file(self):
        doc = checks.env_doc(self)
        self.assertEqual([h["name"] for h in doc["hosts"]], list(self.lab.hosts))
        self.assertTrue(os.path.exists(doc["ssh"]["private_key_file"]))
        self.assertTrue(os.path.exists(doc["apt"]["keyring_file"]))

    def test_hosts_running(self):
        checks.all_running(self, self.lab)

    def test_ssh_admin_only(self):
        checks.ssh_as_admin_only(self, self.lab)

    def test_isolation(self):
        checks.isolation(self, self.lab)

    def test_zones_only_via_router(self):
        checks.zones_only_via_router(self, self.lab)

    def test_cut_and_heal(self):
        checks.cut_and_heal(self, self.lab)

    def test_apt_repository(self):
        checks.apt_repo(self, self.lab, install=False)

    def test_repository_only_for_the_hosts(self):
        checks.repo_only_for_hosts(self, self.lab)

    def test_lb_interfaces(self):
        for name in ("lb-a", "lb-b"):
            h = self.lab.hosts[name]
            p = labtest.lab("exec", name, "ip", "-4", "-br", "addr")
            self.assertEqual(p.returncode, 0, p.stderr)
            for itf in h.interfaces:
                self.assertRegex(p.stdout, rf"{itf.ifname}@\S+\s+UP\s+.*{itf.address}/{itf.prefix}")

    def test_inventory(self):
        """Ansible's inventory script turns the lab's environment.json into the groups plays use."""
        doc = checks.env_doc(self)
        env = dict(os.environ, TANDEM_ENV_FILE=labtest.lab("env").stdout.strip())
        p = subprocess.run(["/usr/bin/python3", "/usr/bin/ansible-inventory", "-i", labtest.INVENTORY, "--list"],
                           env=env, text=True, timeout=120, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.assertEqual(p.returncode, 0, p.stderr)
        data = json.loads(p.stdout)
        self.assertEqual(sorted(data["lb"]["hosts"]), sorted(h["name"] for h in doc["hosts"] if "lb" in h["groups"]))
        obs = self.lab.hosts["obs-b"]
        self.assertEqual(data["_meta"]["hostvars"]["obs-b"]["ansible_host"], str(obs.address))
        self.assertEqual(data["_meta"]["hostvars"]["obs-b"]["ansible_user"], doc["ssh"]["user"])

if __name__ == "__main__":
    unittest.main()
