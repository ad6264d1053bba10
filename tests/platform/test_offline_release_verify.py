"""Offline tests of the host's release verifier (ansible/roles/service/files/tandem-release-verify)
against releases made by tools/release from stand-in inputs, with throwaway signing keys.

Each refusal is one attack on the release path: a tampered tarball, a rewritten statement, a
signature by another key (unknown to the host, or known but not pinned), a provenance naming
another digest, an old signed tarball renamed to a new version, an older signed release replayed,
an unpacked release changed on disk, a missing signature."""
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import unittest

from forgery import flip_byte, rewrite_json, sign

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
RELEASE = os.path.join(REPO, "tools", "release")
RELEASE_KEY = os.path.join(REPO, "tools", "release-key")
VERIFY = os.path.join(REPO, "ansible", "roles", "service", "files", "tandem-release-verify")


def run(args, env=None, cwd=None):
    return subprocess.run(args, env=env, cwd=cwd, text=True, capture_output=True, check=False)


class Releases:
    """A signing key in a temporary directory and releases made with it by tools/release."""

    def __init__(self, root):
        self.root = root
        self.keydir = os.path.join(root, "key")
        self.env = dict(os.environ, TANDEM_RELEASE_KEY_DIR=self.keydir, SOURCE_DATE_EPOCH="1700000000")
        self.fingerprint = run([RELEASE_KEY], env=self.env).stdout.strip()
        self.keyring = os.path.join(self.keydir, "release-signing-key.gpg")

    def make(self, version, serial, jar=b"jar"):
        dist = os.path.join(self.root, f"dist-{version}")
        os.mkdir(dist)
        for name, content in ((f"tandem-service-{version}.jar", jar), ("opentelemetry-javaagent-1.2.3.jar", b"agent")):
            with open(os.path.join(dist, name), "wb") as handle:
                handle.write(content)
            with open(os.path.join(dist, name + ".sha256"), "w", encoding="utf-8") as handle:
                handle.write(run(["sha256sum", name], cwd=dist).stdout)
        with open(os.path.join(dist, f"tandem-service-{version}.cdx.json"), "w", encoding="utf-8") as handle:
            json.dump({"bomFormat": "CycloneDX", "specVersion": "1.6", "components": []}, handle)
        proc = run([RELEASE, dist], env=dict(self.env, TANDEM_RELEASE_SERIAL=str(serial)), cwd=REPO)
        if proc.returncode != 0:
            raise AssertionError(f"tools/release failed: {proc.stderr}")
        return dist

    def sign(self, path):
        sign(path, os.path.join(self.keydir, "gnupg"), self.fingerprint)


def statement(dist):
    with open(os.path.join(dist, "tandem-release.json"), encoding="utf-8") as handle:
        return json.load(handle)


class VerifierTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="tandem-verify-test-")
        cls.ours = Releases(os.path.join(cls.tmp, "ours"))
        cls.theirs = Releases(os.path.join(cls.tmp, "theirs"))
        cls.old = cls.ours.make("1.0.0", serial=100, jar=b"old code")
        cls.new = cls.ours.make("1.0.1", serial=200, jar=b"new code")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def copy(self, dist):
        target = tempfile.mkdtemp(dir=self.tmp)
        shutil.copytree(dist, target, dirs_exist_ok=True)
        return target

    def verify(self, *args, keyring=None):
        return run([VERIFY, *args, f"--keyring={keyring or self.ours.keyring}",
                    f"--fingerprint={self.ours.fingerprint}"])

    def staged(self, dist, version="1.0.1", current=None, keyring=None):
        extra = [f"--current={current}"] if current else []
        return self.verify("staged", f"--dir={dist}", f"--version={version}", *extra, keyring=keyring)

    def assert_refused(self, proc, *words):
        self.assertEqual(proc.returncode, 3, proc.stdout + proc.stderr)
        self.assertTrue(proc.stdout.startswith("REFUSED "), proc.stdout)
        for word in words:
            self.assertIn(word, proc.stdout)

    def unpack(self, dist):
        """A release directory as the role makes it: the tarball's files plus the statement."""
        release = os.path.join(tempfile.mkdtemp(dir=self.tmp), statement(dist)["version"])
        with tarfile.open(os.path.join(dist, statement(dist)["tarball"]["file"])) as tar:
            tar.extractall(release)  # our own tarball, checked member by member by the verifier
        for name, stored in (("tandem-release.json", "release.json"), ("tandem-release.json.sig", "release.json.sig")):
            shutil.copy(os.path.join(dist, name), os.path.join(release, stored))
        return release

    def test_a_genuine_release_verifies(self):
        proc = self.staged(self.new)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn("VERIFIED tandem-service-1.0.1.tar.gz 1.0.1 serial 200", proc.stdout)
        self.assertEqual(self.verify("unpacked", "--dir", self.unpack(self.new)).returncode, 0)

    def test_tampered_tarball(self):
        dist = self.copy(self.new)
        flip_byte(os.path.join(dist, "tandem-service-1.0.1.tar.gz"))
        self.assert_refused(self.staged(dist), "tandem-service-1.0.1.tar.gz: sha256", "signed statement names")

    def test_statement_rewritten_to_match_a_tampered_tarball(self):
        dist = self.copy(self.new)
        tarball = os.path.join(dist, "tandem-service-1.0.1.tar.gz")
        flip_byte(tarball)
        digest = run(["sha256sum", tarball]).stdout.split()[0]
        rewrite_json(os.path.join(dist, "tandem-release.json"), lambda s: s["tarball"].update(sha256=digest))
        self.assert_refused(self.staged(dist), "tandem-release.json: bad signature")

    def test_signature_by_a_key_the_host_does_not_know(self):
        dist = self.copy(self.new)
        self.theirs.sign(os.path.join(dist, "tandem-release.json"))
        self.assert_refused(self.staged(dist), "tandem-release.json: signed by a key this host does not trust")

    def test_signature_by_a_known_key_that_is_not_pinned(self):
        dist = self.copy(self.new)
        self.theirs.sign(os.path.join(dist, "tandem-release.json"))
        both = os.path.join(self.tmp, "both.gpg")
        with open(both, "wb") as out:
            for keyring in (self.ours.keyring, self.theirs.keyring):
                with open(keyring, "rb") as handle:
                    out.write(handle.read())
        self.assert_refused(self.staged(dist, keyring=both), f"signed by {self.theirs.fingerprint}",
                            "not by the pinned release key")
        self.assert_refused(self.verify("key", keyring=both), "not exactly the pinned release key")

    def test_provenance_naming_another_digest(self):
        """Provenance and statement both re-signed by the genuine key: only the subject check is left."""
        dist = self.copy(self.new)
        provenance = os.path.join(dist, "tandem-service-1.0.1.provenance.json")
        rewrite_json(provenance, lambda p: [s["digest"].update(sha256="0" * 64) for s in p["subject"]])
        self.ours.sign(provenance)
        digest = run(["sha256sum", provenance]).stdout.split()[0]
        rewrite_json(os.path.join(dist, "tandem-release.json"), lambda s: s["provenance"].update(sha256=digest))
        self.ours.sign(os.path.join(dist, "tandem-release.json"))
        self.assert_refused(self.staged(dist), "provenance.json: its subject tandem-service-1.0.1.tar.gz has sha256 "
                                               + "0" * 64)

    def test_old_signed_tarball_renamed_to_the_new_version(self):
        dist = self.copy(self.new)
        for suffix in ("", ".sig"):
            shutil.copy(os.path.join(self.old, "tandem-service-1.0.0.tar.gz" + suffix),
                        os.path.join(dist, "tandem-service-1.0.1.tar.gz" + suffix))
        self.assert_refused(self.staged(dist), "tandem-service-1.0.1.tar.gz: sha256")

    def test_old_statement_presented_for_the_new_version(self):
        self.assert_refused(self.staged(self.old, version="1.0.1"),
                            "signed for version 1.0.0, not the 1.0.1 asked for")

    def test_older_signed_release_replayed(self):
        running = self.unpack(self.new)
        self.assert_refused(self.staged(self.old, version="1.0.0", current=running),
                            "release 1.0.0 (serial 100) is older than the running 1.0.1 (serial 200)",
                            "only the rollback playbook goes back")
        self.assertEqual(self.staged(self.new, current=running).returncode, 0, "the same release again")

    def test_running_release_of_a_rotated_key_does_not_block_the_new_key(self):
        """After a key rotation the running release's statement no longer verifies: it sets no floor."""
        rotated = self.theirs.make("0.9.0", serial=900)
        running = self.unpack(rotated)
        self.assertEqual(self.staged(self.new, current=running).returncode, 0)

    def test_unpacked_release_changed_on_disk(self):
        release = self.unpack(self.new)
        flip_byte(os.path.join(release, "tandem-service.jar"))
        self.assert_refused(self.verify("unpacked", "--dir", release), "tandem-service.jar: sha256")

    def test_unpacked_release_with_an_added_file(self):
        release = self.unpack(self.new)
        with open(os.path.join(release, "extra.jar"), "wb") as handle:
            handle.write(b"x")
        self.assert_refused(self.verify("unpacked", "--dir", release), "files the release does not have: extra.jar")
        self.assertEqual(self.verify("unpacked", "--allow", "extra.jar", "--dir", release).returncode, 0)

    def test_missing_signature(self):
        dist = self.copy(self.new)
        os.remove(os.path.join(dist, "tandem-service-1.0.1.cdx.json.sig"))
        self.assert_refused(self.staged(dist), "tandem-service-1.0.1.cdx.json: no signature")


if __name__ == "__main__":
    unittest.main()
