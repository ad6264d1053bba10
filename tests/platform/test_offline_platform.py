"""Offline tests (no lab): the inventory script, the release tool and the recap parser."""
import contextlib
import io
import json
import os
import shutil
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
INVENTORY = os.path.join(REPO, "ansible", "inventory", "tandem.py")
FIXTURE = os.path.join(HERE, "fixtures", "environment.json")
RELEASE = os.path.join(REPO, "tools", "release")


def inventory(env_file, *args):
    env = dict(os.environ, TANDEM_ENV_FILE=env_file)
    return subprocess.run(["/usr/bin/python3", INVENTORY, *(args or ("--list",))], env=env, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)


class InventoryTest(unittest.TestCase):
    def test_groups_and_host_vars(self):
        proc = inventory(FIXTURE)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        inv = json.loads(proc.stdout)
        self.assertEqual(inv["lb"]["hosts"], ["lb-a", "lb-b"])
        # round-robin over zones: a serial play never works on one zone twice in a row
        self.assertEqual(inv["app"]["hosts"], ["app-a1", "app-b1", "app-a2", "app-b2"])
        self.assertEqual(inv["obs"]["hosts"], ["obs-a", "obs-b"])
        hv = inv["_meta"]["hostvars"]["lb-b"]
        self.assertEqual(hv["ansible_host"], "10.10.2.2")
        self.assertEqual(hv["zone"], "b")
        self.assertEqual(hv["ansible_python_interpreter"], "/usr/bin/python3")
        self.assertTrue(hv["ansible_become"])
        self.assertEqual([i["network"] for i in hv["interfaces"]], ["zone-b", "public", "lb-sync"])
        self.assertEqual(inv["all"]["vars"]["vip"]["address"], "10.10.3.100")
        self.assertIn("admin", inv["all"]["vars"]["networks"])

    def test_host_mode(self):
        proc = inventory(FIXTURE, "--host", "app-b2")
        self.assertEqual(json.loads(proc.stdout)["address"], "10.10.2.12")

    def refused(self, change):
        """Apply change(doc) to a copy of the fixture; the inventory must refuse it. Returns stderr."""
        with open(FIXTURE, encoding="utf-8") as fixture:
            doc = json.load(fixture)
        change(doc)
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
            json.dump(doc, handle)
        self.addCleanup(os.unlink, handle.name)
        proc = inventory(handle.name)
        self.assertNotEqual(proc.returncode, 0, "the inventory accepted a bad description")
        self.assertEqual(proc.stdout, "", "a refused inventory printed groups")
        self.assertIn("refused before any play runs", proc.stderr)
        return proc.stderr

    def test_refuses_root_as_the_admin_user(self):
        # sshd refuses root (PermitRootLogin no): the first converge would lock Ansible out half-way
        self.assertIn("$.ssh.user: 'root'", self.refused(lambda d: d["ssh"].update(user="root")))

    def test_refuses_ssh_that_trusts_any_host_key(self):
        err = self.refused(lambda d: d["ssh"].update(common_args="-o StrictHostKeyChecking=no"))
        self.assertIn("$.ssh.common_args", err)

    def test_refuses_a_bad_admin_cidr(self):
        self.assertIn("$.networks.admin.cidr", self.refused(lambda d: d["networks"]["admin"].update(cidr="10.10.0.0/33")))

    def test_refuses_vrrp_on_a_routed_network(self):
        self.assertIn("$.vip.vrrp_network", self.refused(lambda d: d["vip"].update(vrrp_network="public")))

    def test_refuses_an_lb_without_a_vrrp_interface(self):
        def drop(doc):
            lb = next(h for h in doc["hosts"] if h["name"] == "lb-b")
            lb["interfaces"] = [i for i in lb["interfaces"] if i["network"] != "lb-sync"]
        self.assertIn("load balancer lb-b has no interface on lb-sync", self.refused(drop))

    def test_refuses_an_address_outside_its_network(self):
        err = self.refused(lambda d: d["hosts"][0]["interfaces"][0].update(address="10.10.9.9"))
        self.assertIn("$.hosts[0].interfaces[0].address", err)

    def test_refuses_another_schema(self):
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
            with open(FIXTURE, encoding="utf-8") as fixture:
                doc = json.load(fixture)
            doc["schema"] = "tandem.environment/v2"
            json.dump(doc, handle)
        self.addCleanup(os.unlink, handle.name)
        proc = inventory(handle.name)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("schema is 'tandem.environment/v2'", proc.stderr)
        self.assertIn("tandem.environment/v1", proc.stderr)

    def test_unset_path_is_a_clear_error(self):
        env = {k: v for k, v in os.environ.items() if k != "TANDEM_ENV_FILE"}
        proc = subprocess.run(["/usr/bin/python3", INVENTORY, "--list"], env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("TANDEM_ENV_FILE is not set", proc.stderr)

    def test_missing_file_is_a_clear_error(self):
        proc = inventory("/nonexistent/environment.json")
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("no environment description", proc.stderr)


class ReleaseTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="tandem-release-test-")
        self.addCleanup(shutil.rmtree, self.tmp)
        self.dist = os.path.join(self.tmp, "dist")
        os.mkdir(self.dist)
        for name, content in (("tandem-service-9.9.9.jar", b"jar"), ("opentelemetry-javaagent-1.2.3.jar", b"agent")):
            path = os.path.join(self.dist, name)
            with open(path, "wb") as handle:
                handle.write(content)
            digest = subprocess.run(["sha256sum", name], cwd=self.dist, text=True, stdout=subprocess.PIPE, check=True)
            with open(path + ".sha256", "w", encoding="utf-8") as handle:
                handle.write(digest.stdout)
        with open(os.path.join(self.dist, "tandem-service-9.9.9.cdx.json"), "w", encoding="utf-8") as handle:
            handle.write('{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": []}\n')
        self.keydir = os.path.join(self.tmp, "cache", "release-key")
        self.env = dict(os.environ, TANDEM_RELEASE_KEY_DIR=self.keydir, SOURCE_DATE_EPOCH="1700000000")

    def release(self):
        return subprocess.run([RELEASE, self.dist], env=self.env, cwd=REPO, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)

    def test_reproducible_signed_and_verifiable_with_gpgv(self):
        first = self.release()
        self.assertEqual(first.returncode, 0, first.stderr)
        tarball = os.path.join(self.dist, "tandem-service-9.9.9.tar.gz")
        with open(tarball, "rb") as handle:
            one = handle.read()
        second = self.release()
        self.assertEqual(second.returncode, 0, second.stderr)
        with open(tarball, "rb") as handle:
            self.assertEqual(one, handle.read(), "two releases of the same inputs differ")
        key = os.path.join(self.keydir, "release-signing-key.gpg")
        ok = subprocess.run(["gpgv", "--keyring", key, tarball + ".sig", tarball], check=False,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.assertEqual(ok.returncode, 0)
        listing = subprocess.run(["tar", "tzf", tarball], text=True, stdout=subprocess.PIPE, check=True).stdout.split()
        self.assertEqual(listing, ["manifest.json", "opentelemetry-javaagent.jar", "sbom.cdx.json", "tandem-service.jar"])
        with open(os.path.join(self.dist, "tandem-release.json"), encoding="utf-8") as handle:
            pointer = json.load(handle)
        self.assertEqual(pointer["version"], "9.9.9")
        with open(tarball, "r+b") as handle:
            handle.seek(len(one) // 2)
            handle.write(bytes([one[len(one) // 2] ^ 1]))
        bad = subprocess.run(["gpgv", "--keyring", key, tarball + ".sig", tarball], check=False,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.assertNotEqual(bad.returncode, 0)

    def test_refuses_to_run_without_a_key_directory(self):
        del self.env["TANDEM_RELEASE_KEY_DIR"]
        proc = self.release()
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("TANDEM_RELEASE_KEY_DIR", proc.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.dist, "tandem-service-9.9.9.tar.gz")))

    def test_refuses_inputs_that_do_not_match_their_digest(self):
        with open(os.path.join(self.dist, "tandem-service-9.9.9.jar"), "ab") as handle:
            handle.write(b"x")
        proc = self.release()
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("does not match", proc.stderr)


class RecapTest(unittest.TestCase):
    def test_parse(self):
        import recap  # pylint: disable=import-outside-toplevel
        text = ("PLAY RECAP ***\nlb-a : ok=10 changed=0 unreachable=0 failed=0 skipped=1 rescued=0 ignored=0\n"
                "app-a1                     : ok=5    changed=2    unreachable=0    failed=0\n")
        self.assertEqual(recap.parse(text), {"lb-a": {"ok": 10, "changed": 0, "unreachable": 0, "failed": 0},
                                             "app-a1": {"ok": 5, "changed": 2, "unreachable": 0, "failed": 0}})

    def verdict(self, *lines, dry_run=False):
        import recap  # pylint: disable=import-outside-toplevel
        with tempfile.NamedTemporaryFile("w", suffix=".log", delete=False) as log:
            log.write("PLAY RECAP ***\n" + "\n".join(lines) + "\n")
        self.addCleanup(os.remove, log.name)
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            return recap.main((["--dry-run"] if dry_run else []) + [log.name])

    def test_idempotence_needs_no_change_and_no_failure(self):
        self.assertEqual(self.verdict("lb-a : ok=3 changed=0 unreachable=0 failed=0"), 0)
        self.assertEqual(self.verdict("lb-a : ok=3 changed=1 unreachable=0 failed=0"), 1)
        self.assertEqual(self.verdict("lb-a : ok=3 changed=0 unreachable=0 failed=1"), 1)

    def test_dry_run_needs_predicted_changes_and_no_failure(self):
        bare = "localhost : ok=8 changed=0 unreachable=0 failed=0"
        self.assertEqual(self.verdict(bare, "lb-a : ok=3 changed=2 unreachable=0 failed=0", dry_run=True), 0)
        self.assertEqual(self.verdict(bare, "lb-a : ok=3 changed=0 unreachable=0 failed=0", dry_run=True), 1)
        self.assertEqual(self.verdict(bare, "lb-a : ok=3 changed=2 unreachable=1 failed=0", dry_run=True), 1)


if __name__ == "__main__":
    unittest.main()
