"""The lab's whole life on this machine: up from nothing, everything proven, an idempotent second
up, fault verbs, and a down that leaves nothing behind (compared with a snapshot taken first).
Needs root and no lab up (run `make lab-down` first)."""
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checks  # noqa: E402
import labtest  # noqa: E402


@unittest.skipUnless(os.geteuid() == 0, "the lab needs root")
class Lifecycle(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.lab = checks.lab_config()
        if labtest.lab_netns():
            self.fail(f"a lab is already up ({', '.join(labtest.lab_netns())}); run `make lab-down` first")
        self.before = labtest.snapshot()

    def tearDown(self):
        if labtest.lab_netns() or labtest.status()["repository"]["server_pid"]:
            labtest.lab("down")   # whatever failed, leave nothing behind

    def step(self, msg):
        print(f"\n  -- {msg}", flush=True)

    def test_lifecycle(self):
        lab = self.lab
        self.step("up from nothing")
        t0 = time.monotonic()
        p = labtest.lab("up", timeout=900)
        self.assertEqual(p.returncode, 0, p.stdout[-3000:] + p.stderr)
        print(f"  up: {time.monotonic() - t0:.1f}s")
        self.assertIn("isolation proven", p.stdout)
        self.assertIn(f"{lab.ssh_user}@", p.stdout)
        self.assertIn(str(lab.vip), p.stdout)

        self.step("every host running under systemd, SSH as the admin user only")
        pids = checks.all_running(self, lab)
        checks.ssh_as_admin_only(self, lab)

        self.step("nothing outside the lab is routable; zones meet only at the router")
        checks.isolation(self, lab)
        checks.zones_only_via_router(self, lab)
        checks.cut_and_heal(self, lab)

        self.step("apt installs from the lab repository; an unknown package fails fast")
        checks.apt_repo(self, lab, install=True)

        self.step("a second up changes nothing")
        t0 = time.monotonic()
        p = labtest.lab("up")
        self.assertEqual(p.returncode, 0, p.stderr)
        print(f"  second up: {time.monotonic() - t0:.1f}s")
        self.assertRegex(p.stdout, r": 0 changes\b")
        self.assertEqual(checks.all_running(self, lab), pids)

        self.step("stop: unreachable; start: back")
        h = lab.hosts["app-b2"]
        self.assertEqual(labtest.lab("stop", h.name).returncode, 0)
        self.assertEqual(next(x for x in labtest.status()["hosts"] if x["name"] == h.name)["state"], "stopped")
        self.assertNotEqual(checks.ssh(h.name, "true").returncode, 0)
        p = labtest.lab("start", h.name)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(checks.ssh(h.name, "systemctl is-system-running").stdout.strip(), "running")

        self.step("kill: dies at once, its runtime addresses go, start brings it back")
        h = lab.hosts["lb-a"]
        extra = f"{lab.vip}/{lab.vip_network.cidr.prefixlen}"
        self.assertEqual(labtest.lab("exec", h.name, "ip", "addr", "add", extra, "dev", "eth1").returncode, 0)
        p = labtest.lab("kill", h.name)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn(str(lab.vip), labtest.sh("ip", "-n", h.netns, "-4", "addr").stdout)
        self.assertNotEqual(checks.ssh(h.name, "true").returncode, 0)
        p = labtest.lab("start", h.name)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(checks.ssh(h.name, "hostname").stdout.strip(), h.name)
        checks.all_running(self, lab)

        self.step("down leaves nothing behind")
        t0 = time.monotonic()
        p = labtest.lab("down")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        print(f"  down: {time.monotonic() - t0:.1f}s")
        self.assertEqual(labtest.snapshot(), self.before)
        self.assertNotEqual(labtest.lab("env").returncode, 0)
        self.assertFalse(re.search(r"tlab-", " ".join(labtest.netns())))


if __name__ == "__main__":
    unittest.main()
