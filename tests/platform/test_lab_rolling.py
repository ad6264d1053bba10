"""Rolling release and rollback cost users nothing: under steady load from the client namespace
(the internet), `release.yml` replaces the version on every app host one at a time, then rolls
every host back, and not one request fails. Half of the load is POST, which HAProxy never
retries once sent: only draining a host at the load balancers before it restarts keeps those whole.

Thresholds (docs/decisions/0005-rolling-release.md): 0 failed of at least 10,000 requests per
run, a 5 s client timeout; both versions answer while the release runs, only the new one after.
The test builds its "new" release with another RELEASE_VERSION into its own directory, so dist/
and the hosts end as they began (the rollback returns them to dist/'s version).
"""
import json
import os
import re
import shutil
import tempfile
import time
import unittest

import platformlab as pl

LOAD_MIN_REQUESTS = 10_000
LOAD_THREADS = 4
LOAD_RATE = 150          # requests/s in all: half the per-client rate limit (3,000 per 10 s)


class ReleaseTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.vip = pl.environment()["vip"]["address"]
        cls.ca = pl.ca_file()
        cls.tmp = tempfile.mkdtemp(prefix="tandem-release-test-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def versions_served(self):
        return set(pl.client_probe("hello", self.vip, self.ca, "40")["versions"])

    def build_release(self, version):
        dist = os.path.join(self.tmp, version)
        proc = pl.run(["make", "release", f"DIST_DIR={dist}", f"RELEASE_VERSION={version}"], cwd=pl.REPO, timeout=900)
        self.assertEqual(proc.returncode, 0, proc.stdout[-3000:] + proc.stderr[-3000:])
        return dist

    def under_load(self, action):
        return pl.under_load(action, LOAD_MIN_REQUESTS, LOAD_THREADS, LOAD_RATE)

    def roll(self, action, dist, old, new):
        env = {"TANDEM_DIST_DIR": dist}
        args = ["-e", "tandem_release_action=rollback"] if action == "rollback" else []
        proc, load, start, end = self.under_load(lambda: pl.playbook(*args, book="release.yml", env=env, timeout=900))
        took = end - start
        print(f"\n  {action} {old} -> {new}: {took:.0f} s; load: {load['total']} requests, {load['failed']} failed; "
              f"versions {json.dumps({v: d['count'] for v, d in load['versions'].items()})}", flush=True)
        self.assertEqual(proc.returncode, 0, proc.stdout[-4000:] + proc.stderr[-2000:])
        self.assertEqual(load["failed"], 0, f"failed requests during the {action}: {load['failures']}")
        self.assertGreaterEqual(load["total"], LOAD_MIN_REQUESTS)
        seen = load["versions"]
        self.assertIn(old, seen)
        self.assertIn(new, seen)
        self.assertGreater(seen[old]["last"], start, f"{old} served while the {action} ran")
        self.assertLess(seen[new]["first"], end, f"{new} served while the {action} ran")
        self.assertLessEqual(seen[old]["last"], end, f"{old} no longer served once the {action} ended")
        self.assertEqual(self.versions_served(), {new})
        return took

    def running_and_relabelled(self, tag):
        """The one version every host runs, and a new label for the same build (RELEASE_VERSION)."""
        served = self.versions_served()
        self.assertEqual(len(served), 1, f"one version everywhere before the release: {served}")
        old = served.pop()
        return old, re.sub(r"\+.*$", "", old) + f"+{tag}." + str(int(time.time()))

    def test_rolling_release_then_rollback_under_load(self):
        old, new = self.running_and_relabelled("rolled")
        dist = self.build_release(new)
        self.roll("rollout", dist, old, new)
        self.roll("rollback", dist, new, old)

    def test_release_that_never_gets_ready_stops_at_the_first_host_and_rolls_back(self):
        old, bad = self.running_and_relabelled("broken")
        dist = self.build_release(bad)
        self.sign_a_broken_jar(dist, bad)
        first = pl.run([pl.PYTHON, "/usr/bin/ansible-inventory", "-i", "inventory/tandem.py", "--list"],
                       env=pl.path_env(), cwd=pl.ANSIBLE_DIR)
        first = json.loads(first.stdout)["app"]["hosts"][0]
        env = {"TANDEM_DIST_DIR": dist}
        # A JVM that cannot start never gets ready: a short health deadline keeps the test short.
        proc, load, _, _ = self.under_load(lambda: pl.playbook("-e", '{"service_health_deadline_s": 20}', book="release.yml",
                                                               env=env, timeout=900))
        print(f"\n  broken release {bad}: load {load['total']} requests, {load['failed']} failed", flush=True)
        self.assertNotEqual(proc.returncode, 0, "the release of a jar that cannot start must fail")
        self.assertIn(f"rollout failed on {first}", proc.stdout)
        recap = pl.recap(proc.stdout)
        self.assertEqual(set(recap), {first}, f"no host after the first was touched: {recap}")
        self.assertEqual(recap[first]["failed"], 1, proc.stdout[-3000:])
        self.assertEqual(load["failed"], 0, f"failed requests during the broken release: {load['failures']}")
        self.assertEqual(set(load["versions"]), {old}, "the broken version never answered")
        self.assertEqual(self.versions_served(), {old})
        link = pl.ssh(first, "readlink /opt/tandem/current").stdout.strip()
        self.assertTrue(link.endswith("/" + old), f"{first} runs {link} again")

    def sign_a_broken_jar(self, dist, version):
        """Replace the service jar by bytes no JVM can start, with matching digests and a valid
        signature: the release checks pass, the readiness never does."""
        jar = os.path.join(dist, f"tandem-service-{version}.jar")
        with open(jar, "wb") as handle:
            handle.write(b"not a jar\n")
        digest = pl.run(["sha256sum", os.path.basename(jar)], cwd=dist).stdout
        with open(jar + ".sha256", "w", encoding="utf-8") as handle:
            handle.write(digest)
        proc = pl.run([os.path.join(pl.REPO, "tools", "release"), dist], cwd=pl.REPO, timeout=300,
                      env=dict(os.environ, **pl.path_env()))
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)


if __name__ == "__main__":
    unittest.main()
