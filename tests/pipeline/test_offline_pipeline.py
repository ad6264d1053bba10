"""Offline tests of the Drone pipeline (.drone.yml, mk/pipeline.mk, tools/pipeline-run), no lab.

- .drone.yml: its stages in order, one `make` target each, and only steps that never run for a
  pull request name a secret;
- tools/drone-schema/run passes .drone.yml and refuses the broken fixtures (`type: exex`, a step
  without commands);
- gitleaks with .gitleaks.toml fails on a private key planted in a temporary git repository and
  passes it without;
- tools/pipeline-run with the real drone-runner-exec (make pipeline-tools builds it) runs a fixture
  pipeline cloned from a temporary repository: excluded steps and steps whose `when` does not match
  do not run, a secret from the secrets directory and the runner's environment reach the step, a
  trigger that does not match is refused, and the step times are printed.
"""
import importlib.machinery
import importlib.util
import os
import shutil
import subprocess
import tempfile
import unittest

import yaml  # Debian's python3-yaml: Ansible's and yamllint's own dependency (/usr/bin/python3)

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
FIXTURES = os.path.join(HERE, "fixtures")
DRONE_YML = os.path.join(REPO, ".drone.yml")
SCHEMA_RUN = os.path.join(REPO, "tools", "drone-schema", "run")
PIPELINE_RUN = os.path.join(REPO, "tools", "pipeline-run")
TOOLS_BIN = os.path.join(os.environ.get("TANDEM_TOOLS_DIR", ""), "bin")
GITLEAKS = os.path.join(TOOLS_BIN, "gitleaks")
RUNNER = os.path.join(TOOLS_BIN, "drone-runner-exec")
TIMEOUT = 600

STAGES = ["lint", "unit-tests", "reproducible-build", "sbom", "vulnerability-scan", "sign", "provenance",
          "lab-end-to-end", "publish", "rollout-staging", "smoke-staging"]
PR_STEPS = {"lint", "unit-tests", "reproducible-build", "sbom", "vulnerability-scan"}
PROMOTE_STEPS = ["sign", "rollout-production", "post-deploy-checks"]


def load_documents(path):
    with open(path, encoding="utf-8") as handle:
        return [d for d in yaml.safe_load_all(handle) if d]


def pipeline_run_module():
    loader = importlib.machinery.SourceFileLoader("pipeline_run", PIPELINE_RUN)
    spec = importlib.util.spec_from_loader("pipeline_run", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def run(command, **kwargs):
    return subprocess.run(command, text=True, capture_output=True, check=False, timeout=TIMEOUT, **kwargs)


def make_targets():
    out = run(["make", "-C", REPO, "help"]).stdout
    return {line.split()[0] for line in out.splitlines() if line.strip()}


def git_repo(path, files):
    """A git repository at path with one commit on main holding files."""
    os.makedirs(path, exist_ok=True)
    for name, text in files.items():
        with open(os.path.join(path, name), "w", encoding="utf-8") as handle:
            handle.write(text)
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t.invalid", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@t.invalid")
    for command in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-q", "-m", "fixture"]):
        subprocess.run(["git", "-C", path, *command], check=True, env=env, capture_output=True)


class DroneYmlTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.documents = load_documents(DRONE_YML)
        cls.pipelines = {d["name"]: d for d in cls.documents if d.get("kind") == "pipeline"}

    def test_two_exec_pipelines_on_linux_amd64(self):
        self.assertEqual(set(self.pipelines), {"tandem", "promote-production"})
        for pipeline in self.pipelines.values():
            self.assertEqual(pipeline["type"], "exec")
            self.assertEqual(pipeline["platform"], {"os": "linux", "arch": "amd64"})

    def test_stages_in_order_each_one_make_target(self):
        targets = make_targets()
        for name, expected in (("tandem", STAGES), ("promote-production", PROMOTE_STEPS)):
            steps = self.pipelines[name]["steps"]
            self.assertEqual([s["name"] for s in steps], expected)
            for step in steps:
                with self.subTest(pipeline=name, step=step["name"]):
                    self.assertEqual(len(step["commands"]), 1)
                    words = step["commands"][0].split()
                    self.assertEqual(words[0], "make")
                    for target in words[1:]:
                        self.assertIn(target, targets, f"make has no target {target}")

    def test_promotion_pipeline_only_for_production_promotions(self):
        trigger = self.pipelines["promote-production"]["trigger"]
        self.assertEqual(trigger["event"], ["promote"])
        self.assertEqual(trigger["target"], ["production"])
        self.assertEqual(trigger["branch"], ["main"])

    def test_no_secret_and_no_release_step_for_a_pull_request(self):
        tandem = self.pipelines["tandem"]
        self.assertEqual(set(tandem["trigger"]["event"]), {"push", "pull_request"})
        for step in tandem["steps"]:
            secrets = [v for v in (step.get("environment") or {}).values() if isinstance(v, dict)]
            with self.subTest(step=step["name"]):
                if step["name"] in PR_STEPS:
                    self.assertNotIn("when", step)
                    self.assertEqual(secrets, [])
                else:
                    self.assertEqual(step["when"], {"branch": ["main"], "event": ["push"]})

    def test_secrets_only_from_the_secret_store(self):
        for pipeline in self.pipelines.values():
            for step in pipeline["steps"]:
                for variable, value in (step.get("environment") or {}).items():
                    if "KEY" in variable:
                        self.assertEqual(set(value), {"from_secret"}, f"{step['name']}: {variable} is not from_secret")

    def test_make_lint_runs_the_drone_schema_and_gitleaks(self):
        proc = run(["make", "-C", REPO, "-n", "lint"])
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn("tools/drone-schema/run .drone.yml", proc.stdout)
        self.assertIn("gitleaks git", proc.stdout)
        self.assertIn("gitleaks dir", proc.stdout)

    def test_yamllint(self):
        proc = run(["yamllint", "-s", "-c", os.path.join(REPO, "ansible", ".yamllint"), DRONE_YML, FIXTURES])
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)


class SchemaCheckTest(unittest.TestCase):
    def test_lock_pins_the_schema(self):
        with open(os.path.join(REPO, "tools", "drone-schema", "package-lock.json"), encoding="utf-8") as handle:
            lock = yaml.safe_load(handle)
        self.assertEqual(lock["packages"]["node_modules/@schemastore/drone"]["version"], "1.0.3")
        self.assertNotIn("resolved", str(lock))

    def test_drone_yml_passes(self):
        proc = run([SCHEMA_RUN])
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn("2 documents in 1 file(s) checked", proc.stdout)

    def test_the_signature_drone_sign_appends_passes(self):
        with open(DRONE_YML, encoding="utf-8") as handle:
            text = handle.read()
        with tempfile.NamedTemporaryFile("w", suffix=".yml", encoding="utf-8") as signed:
            signed.write(text + "\n---\nkind: signature\nhmac: " + "ab" * 32 + "\n")
            signed.flush()
            proc = run([SCHEMA_RUN, signed.name])
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn("3 documents in 1 file(s) checked", proc.stdout)

    def test_a_wrong_pipeline_type_fails(self):
        proc = run([SCHEMA_RUN, os.path.join(FIXTURES, "type-exex.yml")])
        self.assertNotEqual(proc.returncode, 0, "the schema check accepted type: exex")
        self.assertIn('"exex"', proc.stderr)

    def test_a_step_without_commands_fails(self):
        proc = run([SCHEMA_RUN, os.path.join(FIXTURES, "step-without-commands.yml")])
        self.assertNotEqual(proc.returncode, 0, "the schema check accepted a step without commands")
        self.assertIn("Property 'commands' is missing", proc.stderr)


class GitleaksTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="gitleaks-test.")
        self.addCleanup(shutil.rmtree, self.tmp)

    def scan(self, repo):
        config = os.path.join(REPO, ".gitleaks.toml")
        history = run([GITLEAKS, "git", "--no-banner", "--redact", "-v", "--config", config, repo])
        tree = run([GITLEAKS, "dir", "--no-banner", "--redact", "-v", "--config", config, repo])
        return history, tree

    def test_a_planted_private_key_fails(self):
        key = os.path.join(self.tmp, "key")
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key], check=True)
        with open(key, encoding="utf-8") as handle:
            private = handle.read()
        repo = os.path.join(self.tmp, "repo")
        git_repo(repo, {"README": "nothing to see\n", "deploy.key": private})
        history, tree = self.scan(repo)
        self.assertEqual(history.returncode, 1, history.stdout + history.stderr)
        self.assertEqual(tree.returncode, 1, tree.stdout + tree.stderr)
        self.assertIn("RuleID:      private-key", history.stdout)
        self.assertNotIn("BEGIN OPENSSH PRIVATE KEY-----\nb3", history.stdout, "--redact let the key through")

    def test_a_clean_repository_and_a_key_fingerprint_pass(self):
        repo = os.path.join(self.tmp, "repo")
        git_repo(repo, {"release.json": '{\n  "signing_key_fingerprint": "F1B16512C312A4E741122152E43FB7E95794380E"\n}\n'})
        history, tree = self.scan(repo)
        self.assertEqual(history.returncode, 0, history.stdout + history.stderr)
        self.assertEqual(tree.returncode, 0, tree.stdout + tree.stderr)


class PipelineRunSelectionTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.module = pipeline_run_module()

    def pipeline(self, name="fixture"):
        return self.module.load_pipeline(os.path.join(FIXTURES, "runner-pipeline.yml"), name)

    def test_exclude_and_only(self):
        steps = self.module.select_steps(self.pipeline(), [], ["excluded"])
        self.assertEqual([s["name"] for s in steps], ["first", "signed"])
        steps = self.module.select_steps(self.pipeline(), ["signed"], [])
        self.assertEqual([s["name"] for s in steps], ["signed"])

    def test_unknown_step_is_refused(self):
        with self.assertRaises(SystemExit):
            self.module.select_steps(self.pipeline(), [], ["lnit"])

    def test_trigger_is_checked(self):
        self.module.check_trigger(self.pipeline(), "pull_request", "main", "")
        with self.assertRaises(SystemExit):
            self.module.check_trigger(self.pipeline(), "push", "feature", "")
        with self.assertRaises(SystemExit):
            self.module.check_trigger(self.pipeline("promote-fixture"), "promote", "main", "staging")
        self.module.check_trigger(self.pipeline("promote-fixture"), "promote", "main", "production")

    def test_secrets_and_environ_become_step_environment(self):
        secrets = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, secrets)
        with open(os.path.join(secrets, "fixture_secret"), "w", encoding="utf-8") as handle:
            handle.write("s3cret$HOME")
        steps = self.module.select_steps(self.pipeline(), [], [])
        os.environ["PIPELINE_TEST_VAR"] = "/a/b"
        self.addCleanup(os.environ.pop, "PIPELINE_TEST_VAR")
        self.module.prepare_steps(steps, ["PIPELINE_TEST_VAR"], secrets)
        signed = next(s for s in steps if s["name"] == "signed")
        self.assertEqual(signed["environment"]["FIXTURE_SECRET"], "s3cret$$HOME")
        self.assertEqual(signed["environment"]["PIPELINE_TEST_VAR"], "/a/b")


@unittest.skipUnless(os.access(RUNNER, os.X_OK), f"no {RUNNER}: make pipeline-tools")
class PipelineRunRunnerTest(unittest.TestCase):
    """The fixture pipeline, cloned from a temporary repository, run by the real runner."""

    MAKEFILE = (
        "first:\n\t@echo first ran; echo \"first $$PIPELINE_TEST_VAR\" >> $$PIPELINE_TEST_OUT\n"
        "excluded:\n\t@echo excluded >> $$PIPELINE_TEST_OUT\n"
        "signed:\n\t@echo \"signed $$FIXTURE_SECRET\" >> $$PIPELINE_TEST_OUT\n"
    )

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="pipeline-run-test.")
        self.addCleanup(shutil.rmtree, self.tmp)
        self.repo = os.path.join(self.tmp, "repo")
        with open(os.path.join(FIXTURES, "runner-pipeline.yml"), encoding="utf-8") as handle:
            git_repo(self.repo, {"Makefile": self.MAKEFILE, ".drone.yml": handle.read()})
        self.secrets = os.path.join(self.tmp, "secrets")
        os.mkdir(self.secrets)
        with open(os.path.join(self.secrets, "fixture_secret"), "w", encoding="utf-8") as handle:
            handle.write("from-the-file")
        self.out = os.path.join(self.tmp, "out")

    def pipeline_run(self, *args):
        env = dict(os.environ, PIPELINE_TEST_VAR="runner-env", PIPELINE_TEST_OUT=self.out)
        return run(["/usr/bin/python3", PIPELINE_RUN, "--runner", RUNNER, "--repo", self.repo,
                    "--file", os.path.join(self.repo, ".drone.yml"), "--pipeline", "fixture",
                    "--secrets-dir", self.secrets, "--environ", "PIPELINE_TEST_VAR PIPELINE_TEST_OUT",
                    "--root", os.path.join(self.tmp, "root"), *args], env=env)

    def lines(self):
        if not os.path.exists(self.out):
            return []
        with open(self.out, encoding="utf-8") as handle:
            return handle.read().splitlines()

    def test_push_runs_the_steps_with_secret_and_environment(self):
        proc = self.pipeline_run("--event", "push", "--exclude", "excluded")
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertEqual(self.lines(), ["first runner-env", "signed from-the-file"])
        self.assertIn("[first:", proc.stdout)
        self.assertRegex(proc.stdout, r"first +\d+\.\d s")
        self.assertRegex(proc.stdout, r"excluded|signed +\d+\.\d s")

    def test_pull_request_skips_the_push_only_step(self):
        proc = self.pipeline_run("--event", "pull_request")
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertEqual(self.lines(), ["first runner-env", "excluded"])
        self.assertRegex(proc.stdout, r"signed +did not run")

    def test_a_failing_step_fails_the_run(self):
        with open(os.path.join(self.secrets, "fixture_secret"), "w", encoding="utf-8") as handle:
            handle.write("x")
        proc = self.pipeline_run("--event", "push", "--only", "signed", "--environ", "PIPELINE_TEST_VAR")
        self.assertNotEqual(proc.returncode, 0, "a step writing to an unset path passed")

    def test_a_trigger_that_does_not_match_is_refused(self):
        proc = self.pipeline_run("--event", "promote")
        self.assertEqual(proc.returncode, 2)
        self.assertIn("does not match", proc.stderr)
        self.assertEqual(self.lines(), [])


if __name__ == "__main__":
    unittest.main()
