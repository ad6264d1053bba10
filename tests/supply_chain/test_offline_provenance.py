"""Offline tests of tools/provenance (SLSA v1 provenance as an in-toto Statement v1).

Built on small synthetic inputs in a temporary directory (a fake tarball and a CycloneDX SBOM of
the shape cyclonedx-maven-plugin 2.9.3 writes), so they need no build and no network: the
statement's types and subjects, the resolved dependencies taken from the SBOM's SHA-256 hashes,
determinism apart from runDetails.metadata, refusals of bad input, and --verify refusing a
tarball whose bytes differ from the subject digest. Python 3.11 standard library only.
"""
import hashlib
import json
import os
import pathlib
import subprocess
import tempfile
import unittest

REPO = pathlib.Path(__file__).resolve().parents[2]
PROVENANCE = REPO / "tools" / "provenance"
COMMIT = "0123456789abcdef0123456789abcdef01234567"
VERSION = "0.1.0+g0123456"
AGENT_PURL = "pkg:maven/io.opentelemetry.javaagent/opentelemetry-javaagent@2.33.1?type=jar"


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def component(group, name, version, data=None):
    purl = f"pkg:maven/{group}/{name}@{version}?type=jar"
    entry = {"type": "library", "bom-ref": purl, "group": group, "name": name, "version": version,
             "purl": purl}
    if data is not None:
        entry["hashes"] = [{"alg": "SHA-1", "content": hashlib.sha1(data).hexdigest()},
                           {"alg": "SHA-256", "content": sha256(data)}]
    return entry


def sbom(components):
    return {"bomFormat": "CycloneDX", "specVersion": "1.6",
            "metadata": {"component": {"type": "application", "group": "dev.tandem",
                                       "name": "tandem-parent", "version": "0.1.0"}},
            "components": components}


class ProvenanceTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()  # pylint: disable=consider-using-with
        self.dir = pathlib.Path(self.tmp.name)
        self.tarball = self.dir / f"tandem-service-{VERSION}.tar.gz"
        self.tarball.write_bytes(b"release tarball bytes")
        self.sbom = self.dir / f"tandem-service-{VERSION}.cdx.json"
        self.write_sbom([component("dev.tandem", "tandem-service", "0.1.0"),
                         component("io.vertx", "vertx-core", "5.0.7", b"vertx-core"),
                         component("ch.qos.logback", "logback-classic", "1.5.18", b"logback")])
        self.agent = self.dir / "opentelemetry-javaagent-2.33.1.jar"
        self.agent.write_bytes(b"agent")

    def tearDown(self):
        self.tmp.cleanup()

    def write_sbom(self, components):
        self.sbom.write_text(json.dumps(sbom(components)), encoding="utf-8")

    def run_tool(self, *args):
        return subprocess.run([str(PROVENANCE), *map(str, args)], capture_output=True, text=True,
                              check=False, timeout=120)

    def generate(self, output, *extra):
        result = self.run_tool("--tarball", self.tarball, "--sbom", self.sbom, "--commit", COMMIT,
                               "--version", VERSION, "--builder-id", "https://tandem.invalid/builders/test",
                               "--command", "make release", "--output", output,
                               "--java-version", "17.0.15", "--maven-version", "3.9.11", *extra)
        self.assertEqual(result.returncode, 0, result.stderr)
        return json.loads(pathlib.Path(output).read_text(encoding="utf-8"))

    def test_statement_types_subjects_and_parameters(self):
        doc = self.generate(self.dir / "p.json")
        self.assertEqual(doc["_type"], "https://in-toto.io/Statement/v1")
        self.assertEqual(doc["predicateType"], "https://slsa.dev/provenance/v1")
        self.assertEqual(doc["subject"], [
            {"name": self.tarball.name, "digest": {"sha256": sha256(b"release tarball bytes")}},
            {"name": self.sbom.name, "digest": {"sha256": sha256(self.sbom.read_bytes())}}])
        build = doc["predicate"]["buildDefinition"]
        self.assertEqual(build["buildType"], "https://tandem.invalid/build/make-release/v1")
        self.assertEqual(build["externalParameters"]["source"]["commit"], COMMIT)
        self.assertEqual(build["externalParameters"]["command"], "make release")
        self.assertEqual(build["externalParameters"]["releaseVersion"], VERSION)
        self.assertEqual(build["internalParameters"], {"javaVersion": "17.0.15", "mavenVersion": "3.9.11"})
        run = doc["predicate"]["runDetails"]
        self.assertEqual(run["builder"]["id"], "https://tandem.invalid/builders/test")
        self.assertEqual(set(run["metadata"]), {"invocationId", "startedOn", "finishedOn"})

    def test_resolved_dependencies_are_the_commit_and_every_hashed_sbom_component(self):
        doc = self.generate(self.dir / "p.json", "--material", AGENT_PURL, self.agent)
        deps = doc["predicate"]["buildDefinition"]["resolvedDependencies"]
        self.assertEqual(deps[0]["digest"], {"gitCommit": COMMIT})
        self.assertTrue(deps[0]["uri"].startswith("git+") and deps[0]["uri"].endswith("@" + COMMIT))
        by_uri = {dep["uri"]: dep["digest"]["sha256"] for dep in deps[1:]}
        self.assertEqual(by_uri, {
            "pkg:maven/ch.qos.logback/logback-classic@1.5.18?type=jar": sha256(b"logback"),
            "pkg:maven/io.vertx/vertx-core@5.0.7?type=jar": sha256(b"vertx-core"),
            AGENT_PURL: sha256(b"agent")})

    def test_deterministic_except_run_metadata(self):
        first = self.generate(self.dir / "a.json")
        second = self.generate(self.dir / "b.json")
        for doc in (first, second):
            del doc["predicate"]["runDetails"]["metadata"]
        self.assertEqual(first, second)
        fixed = ("--invocation-id", "build-1", "--started-on", "2026-01-01T00:00:00Z")
        meta = self.generate(self.dir / "c.json", *fixed)["predicate"]["runDetails"]["metadata"]
        self.assertEqual(meta["invocationId"], "build-1")
        self.assertEqual(meta["startedOn"], "2026-01-01T00:00:00Z")

    def test_a_foreign_component_without_sha256_is_refused(self):
        self.write_sbom([component("io.vertx", "vertx-core", "5.0.7")])
        result = self.run_tool("--tarball", self.tarball, "--sbom", self.sbom, "--commit", COMMIT,
                               "--version", VERSION, "--builder-id", "b", "--output", self.dir / "p.json")
        self.assertEqual(result.returncode, 1)
        self.assertIn("pkg:maven/io.vertx/vertx-core@5.0.7?type=jar", result.stderr)
        self.assertFalse((self.dir / "p.json").exists())

    def test_a_short_commit_and_missing_options_are_refused(self):
        result = self.run_tool("--tarball", self.tarball, "--sbom", self.sbom, "--commit", "0123456",
                               "--version", VERSION, "--builder-id", "b", "--output", self.dir / "p.json")
        self.assertEqual(result.returncode, 1)
        self.assertIn("40 hex digits", result.stderr)
        result = self.run_tool("--tarball", self.tarball, "--output", self.dir / "p.json")
        self.assertEqual(result.returncode, 2)
        self.assertIn("--sbom, --commit, --version, --builder-id", result.stderr)

    def test_verify_accepts_the_release_and_refuses_other_bytes(self):
        statement = self.dir / "p.json"
        self.generate(statement)
        ok = self.run_tool("--verify", statement, "--tarball", self.tarball, "--sbom", self.sbom)
        self.assertEqual(ok.returncode, 0, ok.stderr)
        self.assertIn("matches", ok.stdout)
        want = sha256(b"release tarball bytes")
        self.tarball.write_bytes(b"release tarball bytes, tampered")
        bad = self.run_tool("--verify", statement, "--tarball", self.tarball)
        self.assertEqual(bad.returncode, 1)
        self.assertIn(f"REFUSED {self.tarball.name}", bad.stderr)
        self.assertIn(f"subject digest {want}", bad.stderr)

    def test_verify_refuses_an_unknown_name_and_a_statement_of_another_type(self):
        statement = self.dir / "p.json"
        doc = self.generate(statement)
        other = self.dir / "tandem-service-9.9.9.tar.gz"
        other.write_bytes(b"release tarball bytes")
        result = self.run_tool("--verify", statement, "--tarball", other)
        self.assertEqual(result.returncode, 1)
        self.assertIn("no subject of that name", result.stderr)
        doc["predicateType"] = "https://slsa.dev/provenance/v0.2"
        statement.write_text(json.dumps(doc), encoding="utf-8")
        result = self.run_tool("--verify", statement, "--tarball", self.tarball)
        self.assertEqual(result.returncode, 1)
        self.assertIn("not an in-toto v1 statement", result.stderr)

    def test_tool_is_executable(self):
        self.assertTrue(os.access(PROVENANCE, os.X_OK))


if __name__ == "__main__":
    unittest.main()
