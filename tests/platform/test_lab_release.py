"""A tampered release is refused on the host and the running version keeps serving."""
import json
import os
import re
import shutil
import tempfile
import unittest

import platformlab as pl

MARK = "ActiveEnterTimestampMonotonic"


class ClassDataArchiveTest(unittest.TestCase):
    """Every app host runs the current release with its AppCDS archive, trained on the host when the
    release was installed (tandem-cds-train): the JVM maps it instead of loading its classes one by
    one (docs/decisions/0008-service-footprint.md)."""

    def test_running_jvm_maps_the_current_releases_archive(self):
        for host in pl.hosts("app"):
            name = host["name"]
            proc = pl.ssh(name, "archive=$(readlink -f /opt/tandem/current)/app-cds.jsa; stat -c '%U %a' $archive;"
                                " sudo -n grep -c \"$archive\" /proc/$(systemctl show -p MainPID --value tandem)/maps")
            self.assertEqual(proc.returncode, 0, f"{name}: {proc.stdout}{proc.stderr}")
            owner_mode, mappings = proc.stdout.splitlines()
            self.assertEqual(owner_mode, "root 644", f"{name}: the archive must be root's and read-only to the service")
            self.assertGreater(int(mappings), 0, f"{name}: the JVM does not map the archive")


class TamperedReleaseTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dist = os.environ.get("TANDEM_DIST_DIR") or os.path.join(pl.REPO, "dist")
        with open(os.path.join(cls.dist, "tandem-release.json"), encoding="utf-8") as handle:
            cls.release = json.load(handle)
        cls.app = pl.hosts("app")[0]["name"]
        cls.vip = pl.environment()["vip"]["address"]

    def state(self):
        proc = pl.ssh(self.app, f"readlink /opt/tandem/current; systemctl show -p {MARK} --value tandem.service")
        link, started = proc.stdout.split("\n")[:2]
        return link, started

    def tampered_copy(self, fix_digest):
        tmp = tempfile.mkdtemp(prefix="tandem-tampered-")
        self.addCleanup(shutil.rmtree, tmp)
        tarball = self.release["tarball"]
        for suffix in ("", ".sha256", ".sig"):
            shutil.copy(os.path.join(self.dist, tarball + suffix), tmp)
        path = os.path.join(tmp, tarball)
        with open(path, "r+b") as handle:
            handle.seek(os.path.getsize(path) // 2)
            byte = handle.read(1)
            handle.seek(-1, os.SEEK_CUR)
            handle.write(bytes([byte[0] ^ 0xFF]))
        if fix_digest:  # an attacker who can also rewrite the digest file
            digest = pl.run(["sha256sum", tarball], cwd=tmp).stdout
            with open(path + ".sha256", "w", encoding="utf-8") as handle:
                handle.write(digest)
        return tmp

    def restore(self):
        proc = pl.playbook("--limit", self.app, "--tags", "release")
        self.assertEqual(proc.returncode, 0, proc.stdout[-3000:])

    def check_refused(self, fix_digest, reason):
        before = self.state()
        self.addCleanup(self.restore)
        tmp = self.tampered_copy(fix_digest)
        proc = pl.playbook("--limit", self.app, "--tags", "release", "-e", f"service_artifact_dir={tmp}")
        out = proc.stdout + proc.stderr
        self.assertNotEqual(proc.returncode, 0, "the tampered release was accepted")
        flat = " ".join(out.replace("'", " ").split())  # the YAML callback folds long messages
        match = re.search(r"REFUSED .*?unchanged\.", flat)
        line = match.group(0) if match else ""
        print(f"\n  {line[:400]}")
        self.assertIn(self.release["tarball"], line)
        self.assertIn(reason, line)
        self.assertEqual(self.state(), before, "current link or service start time changed")
        hello = pl.client_probe("hello", self.vip, pl.ca_file(), "8")
        self.assertEqual(hello["statuses"], {"200": 8})
        self.assertEqual(hello["versions"], [self.release["version"]])

    def test_flipped_byte_is_refused_by_digest(self):
        self.check_refused(fix_digest=False, reason="sha256 digest mismatch")

    def test_flipped_byte_with_matching_digest_is_refused_by_signature(self):
        self.check_refused(fix_digest=True, reason="bad or unknown signature")


if __name__ == "__main__":
    unittest.main()
