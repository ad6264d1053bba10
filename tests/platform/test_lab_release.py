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
    """Every app host has the current release's AppCDS archive, trained on the host when the release was
    installed (tandem-cds-train). Without the OpenTelemetry agent the JVM maps it instead of loading its
    classes one by one (docs/decisions/0008-service-footprint.md); with the agent (tracing on, as in the
    lab) it must not: the JVM dies at start with both."""

    def test_running_jvm_maps_the_current_releases_archive(self):
        for host in pl.hosts("app"):
            name = host["name"]
            proc = pl.ssh(name, "archive=$(readlink -f /opt/tandem/current)/app-cds.jsa; stat -c '%U %a' $archive;"
                                " pid=$(systemctl show -p MainPID --value tandem);"
                                " sudo -n grep -c \"$archive\" /proc/$pid/maps || true;"
                                " sudo -n grep -c -- -javaagent: /proc/$pid/cmdline || true")
            self.assertEqual(proc.returncode, 0, f"{name}: {proc.stdout}{proc.stderr}")
            owner_mode, mappings, agent = proc.stdout.splitlines()
            self.assertEqual(owner_mode, "root 644", f"{name}: the archive must be root's and read-only to the service")
            if int(agent):
                # Tracing on: the archive is trained but not mapped (the JVM dies with both).
                self.assertEqual(int(mappings), 0, f"{name}: the JVM maps the archive beside the agent")
            else:
                self.assertGreater(int(mappings), 0, f"{name}: the JVM does not map the archive")


class PruneTest(unittest.TestCase):
    """A release that passes the health gate leaves the newest service_keep_releases (3) release
    directories on the host; the ones current and previous point to stay whatever their age."""
    FAKES = ["0.0.1-prunetest", "0.0.2-prunetest", "0.0.3-prunetest", "0.0.4-prunetest"]

    def test_old_releases_go_current_and_previous_stay(self):
        app = pl.hosts("app")[0]["name"]
        releases = "/opt/tandem/releases"
        previous = pl.ssh(app, "readlink /opt/tandem/previous").stdout.strip()
        self.addCleanup(self.restore, app, releases, previous)
        # Older than any real release, the oldest one made previous: age alone would remove it.
        made = pl.ssh(app, "sudo -n bash -c '" + "; ".join(
            f"mkdir -p {releases}/{v} && touch -d 2026-01-0{i + 1} {releases}/{v}" for i, v in enumerate(self.FAKES))
            + f"; ln -sfn {releases}/{self.FAKES[0]} /opt/tandem/previous'")
        self.assertEqual(made.returncode, 0, made.stderr)
        proc = pl.playbook("--limit", app, "--tags", "release")
        self.assertEqual(proc.returncode, 0, proc.stdout[-3000:])
        left = pl.ssh(app, f"ls {releases}; readlink /opt/tandem/current").stdout.split()
        kept, current = left[:-1], os.path.basename(left[-1])
        self.assertEqual(len(kept), 3, kept)
        self.assertIn(current, kept)
        self.assertIn(self.FAKES[0], kept, "previous was removed")
        self.assertFalse({self.FAKES[1], self.FAKES[2]} & set(kept), f"old releases left: {kept}")

    def restore(self, app, releases, previous):
        link = f"ln -sfn {previous} /opt/tandem/previous" if previous else "rm -f /opt/tandem/previous"
        proc = pl.ssh(app, f"sudo -n bash -c 'rm -rf {' '.join(f'{releases}/{v}' for v in self.FAKES)}; {link}'")
        self.assertEqual(proc.returncode, 0, proc.stderr)


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
