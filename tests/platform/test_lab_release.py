"""The release on the hosts: each class-data archive, pruning, and every forged release refused on the
host while the running version keeps serving."""
import json
import os
import re
import shutil
import tempfile
import unittest

import platformlab as pl
from forgery import flip_byte, rewrite_json, sign

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


class RefusedReleaseTest(unittest.TestCase):
    """Every forgery of the release path is refused on the host, with the reason, before anything is
    unpacked: the current link, the running JVM and the version served stay as they were.

    The forgeries are made from dist/'s genuine release (copied to a temporary directory that the
    role stages from): its statement, tarball, SBOM and provenance, each signed by the lab's
    release key, whose fingerprint environment.json pins."""

    @classmethod
    def setUpClass(cls):
        cls.dist = os.environ.get("TANDEM_DIST_DIR") or os.path.join(pl.REPO, "dist")
        with open(os.path.join(cls.dist, "tandem-release.json"), encoding="utf-8") as handle:
            cls.release = json.load(handle)
        cls.version = cls.release["version"]
        cls.tarball = cls.release["tarball"]["file"]
        cls.app = pl.hosts("app")[0]["name"]
        cls.vip = pl.environment()["vip"]["address"]
        cls.gnupg = os.path.join(pl.path_env()["TANDEM_RELEASE_KEY_DIR"], "gnupg")

    def state(self):
        proc = pl.ssh(self.app, f"readlink /opt/tandem/current; systemctl show -p {MARK} --value tandem.service")
        link, started = proc.stdout.split("\n")[:2]
        return link, started

    def copy_of_dist(self):
        tmp = tempfile.mkdtemp(prefix="tandem-forged-")
        self.addCleanup(shutil.rmtree, tmp)
        shutil.copytree(self.dist, tmp, dirs_exist_ok=True)
        return tmp

    def older_release(self, version, serial):
        """A genuine release of dist/'s build under another version, signed with a chosen serial."""
        tmp = tempfile.mkdtemp(prefix="tandem-older-")
        self.addCleanup(shutil.rmtree, tmp)
        for name in os.listdir(self.dist):
            if name.endswith((".jar", ".cdx.json")) and name.startswith(("tandem-service-", "opentelemetry-")):
                target = name.replace(self.version, version)
                shutil.copy(os.path.join(self.dist, name), os.path.join(tmp, target))
                if name.endswith(".jar"):
                    with open(os.path.join(tmp, target + ".sha256"), "w", encoding="utf-8") as handle:
                        handle.write(pl.run(["sha256sum", target], cwd=tmp).stdout)
        env = dict(os.environ, **pl.path_env(), TANDEM_RELEASE_SERIAL=str(serial))
        proc = pl.run([os.path.join(pl.REPO, "tools", "release"), tmp], env=env, cwd=pl.REPO)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return tmp

    def restore(self):
        proc = pl.playbook("--limit", self.app, "--tags", "release")
        self.assertEqual(proc.returncode, 0, proc.stdout[-3000:])

    def check_refused(self, artifacts, *reasons, version=None):
        """The release playbook on one app host, staging from artifacts: refused for reasons, nothing changed."""
        before = self.state()
        self.addCleanup(self.restore)
        proc = pl.playbook("--limit", self.app, "--tags", "release", "-e", f"service_artifact_dir={artifacts}",
                           "-e", f"service_release_pointer={artifacts}/tandem-release.json",
                           *(["-e", f"service_version={version}"] if version else []))
        out = proc.stdout + proc.stderr
        self.assertNotEqual(proc.returncode, 0, "the forged release was accepted")
        flat = " ".join(out.replace("\\n", " ").split())  # the YAML callback folds long messages
        match = re.search(r"REFUSED .*?unchanged\.", flat)
        line = match.group(0) if match else flat[-1500:]
        print(f"\n  {line[:400]}")
        for reason in reasons:
            self.assertIn(reason, line)
        self.assertEqual(self.state(), before, "current link or service start time changed")
        hello = pl.client_probe("hello", self.vip, pl.ca_file(), "8")
        self.assertEqual(hello["statuses"], {"200": 8})
        self.assertEqual(hello["versions"], [self.version])

    def test_tampered_tarball(self):
        tmp = self.copy_of_dist()
        flip_byte(os.path.join(tmp, self.tarball))
        self.check_refused(tmp, f"{self.tarball}: sha256", "the signed statement names")

    def test_statement_rewritten_for_a_tampered_tarball(self):
        """Unsigned metadata: the attacker changes the tarball and the digest the statement names."""
        tmp = self.copy_of_dist()
        flip_byte(os.path.join(tmp, self.tarball))
        digest = pl.run(["sha256sum", os.path.join(tmp, self.tarball)]).stdout.split()[0]
        rewrite_json(os.path.join(tmp, "tandem-release.json"), lambda s: s["tarball"].update(sha256=digest))
        self.check_refused(tmp, "tandem-release.json: bad signature")

    def test_signed_by_another_key(self):
        tmp = self.copy_of_dist()
        other = os.path.join(tmp, "other-gnupg")
        os.mkdir(other, 0o700)
        made = pl.run(["gpg", "--batch", "--passphrase", "", "--quick-gen-key", "Mallory <m@tandem.invalid>",
                       "ed25519", "sign", "never"], env=dict(os.environ, GNUPGHOME=other))
        self.assertEqual(made.returncode, 0, made.stderr)
        for name in ("tandem-release.json", self.tarball):
            sign(os.path.join(tmp, name), other)
        self.check_refused(tmp, "tandem-release.json: signed by a key this host does not trust")

    def test_provenance_naming_another_digest(self):
        """Provenance and statement re-signed with the genuine key: the subject check alone refuses."""
        tmp = self.copy_of_dist()
        provenance = os.path.join(tmp, self.release["provenance"]["file"])
        rewrite_json(provenance, lambda p: [s["digest"].update(sha256="0" * 64) for s in p["subject"]])
        sign(provenance, self.gnupg)
        digest = pl.run(["sha256sum", provenance]).stdout.split()[0]
        rewrite_json(os.path.join(tmp, "tandem-release.json"), lambda s: s["provenance"].update(sha256=digest))
        sign(os.path.join(tmp, "tandem-release.json"), self.gnupg)
        self.check_refused(tmp, f"its subject {self.tarball} has sha256 {'0' * 64}")

    def test_old_signed_tarball_renamed_as_the_current_version(self):
        older = self.older_release("0.0.1-renamed", serial=1)
        tmp = self.copy_of_dist()
        for suffix in ("", ".sig"):
            shutil.copy(os.path.join(older, "tandem-service-0.0.1-renamed.tar.gz" + suffix),
                        os.path.join(tmp, self.tarball + suffix))
        self.check_refused(tmp, f"{self.tarball}: sha256")

    def test_older_signed_release_replayed(self):
        """A genuine, correctly signed release, but older (lower serial) than the running one."""
        older = self.older_release("0.0.1-replayed", serial=1)
        self.check_refused(older, "release 0.0.1-replayed (serial 1) is older than the running",
                           "only the rollback playbook goes back", version="0.0.1-replayed")

    def test_unpacked_release_changed_on_the_host(self):
        """The running release's directory is changed on disk: the next rollout of it re-verifies it."""
        sbom = f"/opt/tandem/releases/{self.version}/sbom.cdx.json"
        self.assertEqual(pl.ssh(self.app, f"echo | sudo -n tee -a {sbom} >/dev/null").returncode, 0)
        try:
            self.check_refused(self.dist, "sbom.cdx.json: sha256")
        finally:  # before the cleanup's restore, which would be refused too
            self.assertEqual(pl.ssh(self.app, f"sudo -n truncate -s -1 {sbom}").returncode, 0)


if __name__ == "__main__":
    unittest.main()
