"""Offline tests of the Maven supply-chain checks: trusted checksums and banned versions.

Every build runs in a temporary copy of the project (root pom, modules/service, mvnw, .mvn) with
Maven offline (-o) against a temporary local repository that holds byte copies (never links) of
the artifacts listed in .mvn/checksums/checksums.sha256, taken from $TANDEM_MAVEN_HOME/repository.
The shared repository is only read. The release build must already have filled it (make runs
test-service before this suite; on a machine where it has not, the tests fail and say so).

What is proven, and how honestly:
- the offline build of the copy passes with the committed checksums, and the enforcer's
  bannedDependencies rule passes on the current dependency tree;
- a jar whose bytes differ from the record fails the build naming the artifact. The tampered jar
  sits in the LOCAL repository: Maven Resolver's trusted-checksums post-processor checks every
  artifact on each resolution, also one the local repository already holds, not only downloads;
- an artifact missing from the record fails the build (failIfMissing), naming it;
- every recorded file the shared repository holds has the recorded SHA-256 and the SHA-1 the
  remote published beside it (read only), so the record is of the bytes the repository served;
- banned versions fail the enforcer, naming each: no vulnerable release is in the local repository
  (and these tests stay offline), so the banned artifacts are STUBS made here (a pom and an empty
  jar with the banned coordinates, their sums added to the copy's record); the rule matches on
  coordinates only, so a stub exercises the committed ranges exactly as the real jar would. One
  stub comes in transitively (through a stub carrier) to prove searchTransitive.
Python 3.11 standard library only.
"""
import hashlib
import os
import pathlib
import shutil
import subprocess
import tempfile
import unittest
import zipfile

REPO = pathlib.Path(__file__).resolve().parents[2]
CHECKSUMS = pathlib.PurePosixPath(".mvn/checksums/checksums.sha256")
MAVEN_HOME = pathlib.Path(os.environ.get("TANDEM_MAVEN_HOME",
                                         os.path.expanduser("~/.cache/tandem/maven")))
SHARED_REPOSITORY = MAVEN_HOME / "repository"
# Too big to copy (135 MB) and not used by the builds here (tools/install-zipkin fetches it).
NOT_COPIED = ("io/zipkin/zipkin-server/",)
VERTX_CORE_JAR = "io/vertx/vertx-core/5.0.7/vertx-core-5.0.7.jar"
ENFORCER_JAR = "org/apache/maven/plugins/maven-enforcer-plugin/3.7.0/maven-enforcer-plugin-3.7.0.jar"
BUILD_TIMEOUT = 900

# One version inside each banned range of pom.xml's bannedDependencies (direct dependencies).
BANNED_DIRECT = [
    ("org.apache.logging.log4j", "log4j-core", "2.14.1"),
    ("ch.qos.logback", "logback-classic", "1.2.12"),
    ("ch.qos.logback", "logback-core", "1.4.11"),
    ("io.netty", "netty-codec-http", "4.1.107.Final"),
    ("com.fasterxml.jackson.core", "jackson-databind", "2.13.4.1"),
    ("org.yaml", "snakeyaml", "1.33"),
    ("commons-collections", "commons-collections", "3.2.1"),
]
# Reached only through the carrier: not managed by any BOM the parent imports.
BANNED_TRANSITIVE = ("org.apache.commons", "commons-text", "1.9")
CARRIER = ("dev.tandem.test", "carrier", "1.0")


def sha256(path):
    return hashlib.sha256(pathlib.Path(path).read_bytes()).hexdigest()


def repo_path(group, artifact, version, ext):
    return f"{group.replace('.', '/')}/{artifact}/{version}/{artifact}-{version}.{ext}"


def stub_pom(group, artifact, version, dependency=None):
    deps = ""
    if dependency:
        g, a, v = dependency
        deps = (f"<dependencies><dependency><groupId>{g}</groupId><artifactId>{a}</artifactId>"
                f"<version>{v}</version></dependency></dependencies>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<project><modelVersion>4.0.0</modelVersion>'
            f"<groupId>{group}</groupId><artifactId>{artifact}</artifactId><version>{version}</version>"
            f"{deps}</project>\n")


def consumer_pom():
    deps = "".join(f"<dependency><groupId>{g}</groupId><artifactId>{a}</artifactId><version>{v}</version>"
                   "</dependency>" for g, a, v in BANNED_DIRECT + [CARRIER])
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<project><modelVersion>4.0.0</modelVersion>'
            "<parent><groupId>dev.tandem</groupId><artifactId>tandem-parent</artifactId>"
            "<version>0.1.0</version><relativePath>../pom.xml</relativePath></parent>"
            "<artifactId>banned-check</artifactId>"
            f"<dependencies>{deps}</dependencies></project>\n")


class MavenSupplyChainTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not (SHARED_REPOSITORY / VERTX_CORE_JAR).is_file():
            raise AssertionError(f"{SHARED_REPOSITORY / VERTX_CORE_JAR} missing: the release build has not "
                                 "filled the local repository (run make test-service first)")
        cls.tmp = tempfile.TemporaryDirectory()  # pylint: disable=consider-using-with
        root = pathlib.Path(cls.tmp.name)
        cls.project = root / "project"
        cls.local = root / "repository"
        cls.copy_project()
        cls.copy_repository()
        cls.record = cls.project / CHECKSUMS
        cls.pristine_record = cls.record.read_text(encoding="utf-8")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    @classmethod
    def copy_project(cls):
        ignore = shutil.ignore_patterns("target")
        cls.project.mkdir()
        for name in ("pom.xml", "mvnw"):
            shutil.copy2(REPO / name, cls.project / name)
        shutil.copytree(REPO / ".mvn", cls.project / ".mvn", ignore=ignore)
        shutil.copytree(REPO / "modules" / "service", cls.project / "modules" / "service", ignore=ignore)

    @classmethod
    def copy_repository(cls):
        """Byte copies of the recorded artifacts (and the files that say where they came from)."""
        for line in (REPO / CHECKSUMS).read_text(encoding="utf-8").splitlines():
            rel = line.split(maxsplit=1)[1].strip()
            source = SHARED_REPOSITORY / rel
            if rel.startswith(NOT_COPIED) or not source.is_file():
                continue
            target = cls.local / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            origin = source.parent / "_remote.repositories"
            if origin.is_file() and not (target.parent / origin.name).exists():
                shutil.copyfile(origin, target.parent / origin.name)

    def setUp(self):
        self.record.write_text(self.pristine_record, encoding="utf-8")

    def mvn(self, *args, pom=None):
        env = dict(os.environ, MAVEN_USER_HOME=str(MAVEN_HOME))
        command = ["./mvnw", "-B", "-ntp", "-o", f"-Dmaven.repo.local={self.local}"]
        if pom:
            command += ["-f", pom]
        result = subprocess.run(command + list(args), cwd=self.project, env=env, capture_output=True,
                                text=True, check=False, timeout=BUILD_TIMEOUT)
        return result.returncode, result.stdout + result.stderr

    @staticmethod
    def show(out, *needles):
        """Print Maven's lines that carry the verdict: the test log then quotes the failure."""
        for line in out.splitlines():
            if any(needle in line for needle in needles):
                print("    maven: " + line.strip()[:400])

    def tampered(self, rel):
        """Context: the copy's rel with one byte more, restored afterwards."""
        path = self.local / rel
        original = path.read_bytes()
        test = self

        class Tamper:
            def __enter__(self):
                path.write_bytes(original + b"\0")
                test.assertNotEqual(sha256(path), hashlib.sha256(original).hexdigest())

            def __exit__(self, *exc):
                path.write_bytes(original)
        return Tamper()

    def test_offline_build_passes_with_the_record_and_the_bans(self):
        code, out = self.mvn("-DskipTests", "package")
        self.assertEqual(code, 0, out[-4000:])
        self.assertRegex(out, r"Loaded \d+ trusted checksums from .*checksums\.sha256")
        self.assertIn("BannedDependencies passed", out)

    def assert_tampered_jar_fails(self, rel, goal, artifact_id):
        with self.tampered(rel):
            code, out = self.mvn(goal)
        self.show(out, "trusted checksum")
        self.assertNotEqual(code, 0, out[-4000:])
        self.assertIn(f"Artifact {artifact_id} trusted checksum mismatch", out)

    def test_a_tampered_dependency_jar_in_the_local_repository_fails_naming_it(self):
        self.assert_tampered_jar_fails(VERTX_CORE_JAR, "compile", "io.vertx:vertx-core:jar:5.0.7")

    def test_a_tampered_plugin_jar_fails_naming_it(self):
        self.assert_tampered_jar_fails(ENFORCER_JAR, "validate",
                                       "org.apache.maven.plugins:maven-enforcer-plugin:jar:3.7.0")

    def test_the_record_matches_the_shared_repository_and_the_published_sha1(self):
        """Every recorded file the shared repository holds has the recorded SHA-256, and the SHA-1
        the remote repository published beside it (the .sha1 the resolver stored on download):
        the record was taken from the bytes the repository served, not from altered ones."""
        checked = 0
        for line in self.pristine_record.splitlines():
            want, rel = line.split(maxsplit=1)
            path = SHARED_REPOSITORY / rel
            if not path.is_file():
                continue
            data = path.read_bytes()
            self.assertEqual(hashlib.sha256(data).hexdigest(), want, rel)
            sidecar = path.with_name(path.name + ".sha1")
            if sidecar.is_file():
                published = sidecar.read_text(encoding="ascii", errors="replace").split()[0].lower()
                self.assertEqual(hashlib.sha1(data).hexdigest(), published, rel)
                checked += 1
        print(f"    {checked} recorded files match their published .sha1")
        self.assertGreater(checked, 400)

    def test_an_artifact_missing_from_the_record_fails_naming_it(self):
        lines = [line for line in self.pristine_record.splitlines() if not line.endswith(VERTX_CORE_JAR)]
        self.assertEqual(len(lines), len(self.pristine_record.splitlines()) - 1)
        self.record.write_text("\n".join(lines) + "\n", encoding="utf-8")
        code, out = self.mvn("compile")
        self.show(out, "trusted checksum")
        self.assertNotEqual(code, 0, out[-4000:])
        self.assertIn("Missing from summaryFile trusted checksum(s) [SHA-256] for artifact "
                      "io.vertx:vertx-core:jar:5.0.7", out)

    def make_stub(self, coordinates, dependency=None):
        """A stub pom and empty jar in the copy's repository; returns their record lines."""
        lines = []
        pom = self.local / repo_path(*coordinates, "pom")
        pom.parent.mkdir(parents=True, exist_ok=True)
        pom.write_text(stub_pom(*coordinates, dependency), encoding="utf-8")
        jar = self.local / repo_path(*coordinates, "jar")
        with zipfile.ZipFile(jar, "w") as archive:
            archive.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n")
        for path in (pom, jar):
            lines.append(f"{sha256(path)}  {path.relative_to(self.local).as_posix()}")
        return lines

    def test_banned_versions_direct_and_transitive_fail_the_enforcer_naming_each(self):
        lines = []
        for coordinates in BANNED_DIRECT + [BANNED_TRANSITIVE]:
            lines += self.make_stub(coordinates)
        lines += self.make_stub(CARRIER, dependency=BANNED_TRANSITIVE)
        self.record.write_text(self.pristine_record + "\n".join(lines) + "\n", encoding="utf-8")
        consumer = self.project / "banned"
        consumer.mkdir(exist_ok=True)
        (consumer / "pom.xml").write_text(consumer_pom(), encoding="utf-8")
        code, out = self.mvn("validate", pom="banned/pom.xml")
        self.show(out, "<--- banned", "BannedDependencies failed", "known-vulnerable")
        self.assertNotEqual(code, 0, out[-4000:])
        self.assertIn("BannedDependencies failed", out)
        self.assertIn("known-vulnerable version range", out)
        for group, artifact, version in BANNED_DIRECT + [BANNED_TRANSITIVE]:
            self.assertRegex(out, rf"{group}:{artifact}:jar:{version}.*banned", f"{artifact} {version}")
        self.assertNotRegex(out, r"dev\.tandem\.test:carrier:jar:1\.0 <--- banned")


if __name__ == "__main__":
    unittest.main()
