"""Lab tests that need no running lab: the description's validation, the environment contract,
bad input and missing prerequisites. None of them may create anything."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labtest  # noqa: E402
import schema_lite  # noqa: E402

sys.path.insert(0, labtest.LAB_DIR)
from tandemlab import config, env, image  # noqa: E402

TOML = os.path.join(labtest.LAB_DIR, "lab.toml")


def mutate(text, old, new):
    assert old in text, old
    return text.replace(old, new, 1)


class Description(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="tlab-test-")
        self.text = labtest.read(TOML)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def bad(self, text, key_fragment):
        path = os.path.join(self.tmp, "bad.toml")
        with open(path, "w") as f:
            f.write(text)
        before = labtest.netns()
        # `up` must refuse before creating anything (state and cache dirs point at a fresh temp dir)
        p = labtest.lab("--config", path, "up", env={"TANDEM_LAB_DIR": os.path.join(self.tmp, "state"),
                                                      "TANDEM_CACHE": os.path.join(self.tmp, "cache")})
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn(key_fragment, p.stderr)
        self.assertEqual(labtest.netns(), before, "a network namespace was created")
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "state")), "state dir was created")
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "cache")), "cache dir was created")
        return p.stderr

    def test_valid(self):
        lab = config.load(TOML)
        self.assertEqual(set(lab.hosts), {"lb-a", "lb-b", "app-a1", "app-a2", "app-b1", "app-b2", "obs-a", "obs-b"})
        self.assertEqual(str(lab.vip), "10.10.3.100")
        self.assertEqual([i.ifname for i in lab.hosts["lb-a"].interfaces], ["eth0", "eth1", "eth2"])
        self.assertEqual(lab.hosts["lb-a"].interfaces[1].network.name, "public")
        self.assertEqual(lab.vrrp_network.name, "lb-sync")
        self.assertFalse(lab.vrrp_network.routed)

    def test_vrrp_on_a_routed_network(self):
        self.bad(mutate(self.text, 'vrrp_network = "lb-sync"', 'vrrp_network = "public"'), "vip.vrrp_network")

    def test_zone_network_without_gateway(self):
        self.bad(mutate(self.text, 'gateway = "10.10.2.1"\n', ""), "networks.zone-b.gateway")

    def test_vip_on_an_unrouted_network(self):
        self.bad(mutate(self.text, 'network = "public"\n# VRRP', 'network = "lb-sync"\n# VRRP'), "vip.network")

    def test_missing_key(self):
        self.bad(mutate(self.text, 'machine_address = "10.10.255.2"\n', ""), "admin.machine_address")

    def test_bad_address(self):
        self.bad(mutate(self.text, '"10.10.1.11"', '"10.10.1.300"'), "hosts.app-a1.interfaces[0].address")

    def test_address_outside_network(self):
        self.bad(mutate(self.text, '"10.10.1.12"', '"10.10.2.99"'), "hosts.app-a2.interfaces[0].address")

    def test_duplicate_address(self):
        err = self.bad(mutate(self.text, '"10.10.2.12"', '"10.10.2.11"'), "hosts.app-b2.interfaces[0].address")
        self.assertIn("hosts.app-b1", err)

    def test_unknown_network(self):
        self.bad(mutate(self.text, '{ network = "zone-b", address = "10.10.2.11" }',
                        '{ network = "zone-c", address = "10.10.2.11" }'), "hosts.app-b1.interfaces[0].network")

    def test_gateway_outside(self):
        self.bad(mutate(self.text, 'gateway = "10.10.2.1"', 'gateway = "10.10.9.1"'), "networks.zone-b.gateway")

    def test_unlocked_package(self):
        self.bad(mutate(self.text, '"postfix"', '"postfix", "cowsay"'), "repo.packages")

    def test_not_toml(self):
        self.bad(self.text + "\n[[[", "not valid TOML")


class BadInput(unittest.TestCase):
    def test_unknown_host(self):
        for verb in ("ssh", "stop", "start", "kill", "exec"):
            with self.subTest(verb=verb):
                before = labtest.netns()
                p = labtest.lab(verb, "no-such-host", *(["true"] if verb == "exec" else []))
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertIn("unknown host 'no-such-host'", p.stderr)
                self.assertIn("app-a1", p.stderr)  # names the valid ones
                self.assertEqual(labtest.netns(), before)

    def test_unknown_zone(self):
        for verb in ("cut", "heal"):
            p = labtest.lab(verb, "zone-q")
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn("unknown zone 'zone-q'", p.stderr)


@unittest.skipUnless(os.geteuid() == 0, "prerequisite checks run as root")
class Prerequisites(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="tlab-test-")
        self.env = {"TANDEM_LAB_DIR": os.path.join(self.tmp, "state"), "TANDEM_CACHE": os.path.join(self.tmp, "cache")}

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def refused(self, extra, fragment):
        before = labtest.snapshot()
        p = labtest.lab("up", env={**self.env, **extra})
        self.assertEqual(p.returncode, 3, p.stdout + p.stderr)
        self.assertIn("prerequisites missing, nothing was created", p.stderr)
        self.assertIn(fragment, p.stderr)
        self.assertEqual(labtest.snapshot(), before)
        self.assertEqual(os.listdir(self.tmp), [])

    def test_no_overlayfs(self):
        fake = os.path.join(self.tmp, "filesystems")
        with open(fake, "w") as f:
            f.write("nodev\tsysfs\nnodev\ttmpfs\n\text4\n")
        self.env["TANDEM_LAB_PROC_FILESYSTEMS"] = fake
        before = labtest.snapshot()
        p = labtest.lab("up", env=self.env)
        self.assertEqual(p.returncode, 3, p.stdout + p.stderr)
        self.assertIn("overlay filesystem", p.stderr)
        self.assertEqual(labtest.snapshot(), before)
        self.assertEqual(os.listdir(self.tmp), ["filesystems"])

    def test_cache_disk_full(self):
        self.refused({"TANDEM_LAB_MIN_FREE_GIB": "1000000"}, "not enough free space")


class Contract(unittest.TestCase):
    def test_environment_matches_schema(self):
        lab = config.load(TOML)
        doc = env.environment(lab)
        schema = json.loads(labtest.read(labtest.SCHEMA))
        self.assertEqual(schema_lite.validate(doc, schema), [])
        self.assertEqual(doc["apt"]["uri"], "http://10.10.255.2:8088/debian")
        lb = next(h for h in doc["hosts"] if h["name"] == "lb-a")
        self.assertEqual(lb["interfaces"][1], {"name": "eth1", "network": "public", "address": "10.10.3.11", "prefix": 24})

    def test_contract_example_matches_schema(self):
        text = labtest.read(os.path.join(labtest.REPO, "docs", "inventory-contract.md"))
        example = json.loads(re.search(r"```json\n(.*?)```", text, re.S).group(1))
        self.assertEqual(schema_lite.validate(example, json.loads(labtest.read(labtest.SCHEMA))), [])

    def test_validator_rejects(self):
        schema = json.loads(labtest.read(labtest.SCHEMA))
        doc = env.environment(config.load(TOML))
        doc["schema"] = "tandem.environment/v2"
        doc["hosts"][0]["address"] = "10.10.1.256"
        del doc["ssh"]["user"]
        errs = schema_lite.validate(doc, schema)
        self.assertEqual(len(errs), 3, errs)

    def test_inventory_reads_the_lab_environment(self):
        """The lab writes no inventory of its own: Ansible's inventory script reads its environment.json."""
        lab = config.load(TOML)
        with tempfile.TemporaryDirectory(prefix="tlab-test-") as tmp:
            path = os.path.join(tmp, "environment.json")
            with open(path, "w") as f:
                json.dump(env.environment(lab), f)
            p = subprocess.run(["/usr/bin/python3", labtest.INVENTORY, "--list"], env=dict(os.environ, TANDEM_ENV_FILE=path),
                               text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        groups = json.loads(p.stdout)
        for g in {g for h in lab.hosts.values() for g in h.groups}:
            self.assertEqual(sorted(groups[g]["hosts"]), sorted(h.name for h in lab.hosts.values() if g in h.groups))


class Mirrors(unittest.TestCase):
    def test_machine_sources_are_parsed(self):
        tmp = tempfile.mkdtemp(prefix="tlab-test-")
        try:
            with open(os.path.join(tmp, "a.sources"), "w") as f:
                f.write("Types: deb\nURIs: http://mirror.invalid/debian\nSuites: bookworm bookworm-updates\n"
                        "Components: main contrib\n\nTypes: deb\nURIs: http://other.invalid/x\nSuites: nodistro\n"
                        "Components: main\n")
            with open(os.path.join(tmp, "b.list"), "w") as f:
                f.write("deb http://mirror.invalid/debian-security bookworm-security main\n# deb http://x y z\n")
            lines = image.machine_mirrors("bookworm", [os.path.join(tmp, "*.sources"), os.path.join(tmp, "*.list")])
            self.assertEqual(lines, ["deb http://mirror.invalid/debian bookworm main",
                                     "deb http://mirror.invalid/debian bookworm-updates main",
                                     "deb http://mirror.invalid/debian-security bookworm-security main"])
        finally:
            shutil.rmtree(tmp)


if __name__ == "__main__":
    unittest.main()
