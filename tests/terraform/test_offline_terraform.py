"""The Terraform configuration, proven offline with the real tools (no cloud, no token):
`tofu fmt`, `tofu init` from the provider mirror against the committed lock files, `tofu validate`,
`tofu test` (mock providers) in every module and environment, pinned versions, tflint, checkov, and
the environments' outputs against the inventory contract's schema."""
import json
import os
import re
import unittest

import tfkit

import tandem  # ansible/inventory/tandem.py: the contract's schema and consistency checks

LOCK = os.path.join(tfkit.ROOT, "tools", "go-tools.lock")


def locked_version(tool):
    with open(LOCK, encoding="utf-8") as handle:
        for line in handle:
            cols = line.split()
            if cols and cols[0] == tool:
                return cols[2].lstrip("v")
    raise AssertionError(f"{tool} is not in tools/go-tools.lock")


class Format(unittest.TestCase):
    def test_fmt(self):
        proc = tfkit.run([tfkit.TOFU, "fmt", "-check", "-recursive", "-diff", "-no-color", "terraform"], ".")
        self.assertEqual(proc.returncode, 0, f"tofu fmt -check failed:\n{tfkit.explain(proc)}")


class Pins(unittest.TestCase):
    """tofu and the provider are pinned to exactly the versions built from tools/go-tools.lock."""

    def test_versions_pinned(self):
        tofu, provider = locked_version("tofu"), locked_version("terraform-provider-hcloud")
        for config_dir in tfkit.config_dirs():
            with self.subTest(config_dir):
                with open(os.path.join(tfkit.ROOT, config_dir, "versions.tf"), encoding="utf-8") as handle:
                    text = handle.read()
                self.assertRegex(text, rf'required_version\s*=\s*"{re.escape(tofu)}"', "tofu not pinned exactly")
                if "required_providers" in text:
                    self.assertRegex(text, rf'version\s*=\s*"{re.escape(provider)}"', "hcloud provider not pinned exactly")
                    self.assertEqual(re.findall(r'version\s*=\s*"([^"]*)"', text.split("required_providers")[1]),
                                     [provider], "a provider constraint other than the exact pin")

    def test_lock_files_from_the_mirror(self):
        provider = locked_version("terraform-provider-hcloud")
        for config_dir in tfkit.config_dirs():
            lock = os.path.join(tfkit.ROOT, config_dir, ".terraform.lock.hcl")
            with self.subTest(config_dir), open(os.path.join(tfkit.ROOT, config_dir, "versions.tf"), encoding="utf-8") as v:
                if "required_providers" not in v.read():
                    continue
                self.assertTrue(os.path.isfile(lock), "no .terraform.lock.hcl (make terraform-lock)")
                with open(lock, encoding="utf-8") as handle:
                    text = handle.read()
                self.assertIn('provider "tandem.internal/hetznercloud/hcloud"', text)
                self.assertIn(f'version     = "{provider}"', text)
                self.assertRegex(text, r'"h1:[A-Za-z0-9+/=]+"')


def validations(config_dir):
    """variable name -> number of its validation blocks, from variables.tf."""
    counts = {}
    path = os.path.join(tfkit.ROOT, config_dir, "variables.tf")
    if not os.path.isfile(path):
        return counts
    with open(path, encoding="utf-8") as handle:
        for block in re.split(r'^variable "', handle.read(), flags=re.M)[1:]:
            counts[block.split('"', 1)[0]] = len(re.findall(r"^\s*validation\s*\{", block, re.M))
    return {name: n for name, n in counts.items() if n}


def refusal_runs(config_dir):
    """variable name -> number of run blocks that expect it to refuse a value."""
    counts = {}
    tests = os.path.join(tfkit.ROOT, config_dir, "tests")
    for name in sorted(os.listdir(tests)) if os.path.isdir(tests) else []:
        with open(os.path.join(tests, name), encoding="utf-8") as handle:
            for var in re.findall(r"expect_failures\s*=\s*\[var\.(\w+)\]", handle.read()):
                counts[var] = counts.get(var, 0) + 1
    return counts


class Validations(unittest.TestCase):
    """Every validation is proven to refuse a bad value: one run with expect_failures each."""

    def test_each_validation_has_a_refusal_run(self):
        for config_dir in tfkit.config_dirs():
            runs = refusal_runs(config_dir)
            for var, count in validations(config_dir).items():
                with self.subTest(config_dir, variable=var):
                    self.assertGreaterEqual(runs.get(var, 0), count, f"var.{var} has {count} validation(s)")
            for var, count in runs.items():
                with self.subTest(config_dir, variable=var):
                    self.assertLessEqual(count, validations(config_dir).get(var, 0), f"runs expect var.{var} to refuse, "
                                         "but it has fewer validations")


class Configurations(unittest.TestCase):
    """init (offline, mirror only, lock files read-only), validate and tofu test in each directory."""

    def check_dir(self, config_dir):
        # The environments share one test file (terraform/envs/tests), each pinned by its own
        # tests/expected-environment.json.
        test = ("test", "-test-directory=../tests") if config_dir.startswith("terraform/envs/") else ("test",)
        steps = [("init", "-backend=false", "-lockfile=readonly", "-input=false"), ("validate",), test]
        for step in steps:
            proc = tfkit.tofu(config_dir, *step)
            self.assertEqual(proc.returncode, 0, f"tofu {' '.join(step)} in {config_dir}:\n{tfkit.explain(proc)}")
        summary = [line for line in proc.stdout.splitlines() if re.search(r"\d+ passed, \d+ failed", line)]
        print(f"  {config_dir}: tofu test: {summary[-1].strip() if summary else '?'}")
        self.assertTrue(summary and re.search(r" 0 failed", summary[-1]), f"tofu test in {config_dir}: {summary}")


def _add_dir_tests():
    for config_dir in tfkit.config_dirs():
        name = "test_" + config_dir.replace("terraform/", "").replace("/", "_").replace("-", "_")
        setattr(Configurations, name, lambda self, d=config_dir: self.check_dir(d))


_add_dir_tests()


class Contract(unittest.TestCase):
    """The environments' output (tests/expected-environment.json; each env's tofu test proves its
    output equals that file) is a valid inventory contract document, as the inventory reads it."""

    def test_expected_environments(self):
        for env in ("staging", "production"):
            path = os.path.join(tfkit.TERRAFORM, "envs", env, "tests", "expected-environment.json")
            with self.subTest(env):
                doc = tandem.load(path)  # raises ContractError naming each bad key
                self.assertEqual(doc["provider"], "terraform")
                self.assertEqual(doc["name"], env)
                groups = tandem.inventory(doc)
                for group in ("lb", "app", "obs"):
                    self.assertTrue(groups[group]["hosts"], f"no {group} hosts")
                self.assertTrue(tandem.zones_alternating([h for h in doc["hosts"] if "app" in h["groups"]]))

    def test_contract_refuses_a_broken_document(self):
        """The check above is not vacuous: the same document with root as the SSH user is refused."""
        path = os.path.join(tfkit.TERRAFORM, "envs", "staging", "tests", "expected-environment.json")
        with open(path, encoding="utf-8") as handle:
            doc = json.load(handle)
        doc["ssh"]["user"] = "root"
        self.assertTrue(tandem.schema_lite.validate(doc, tandem.contract_schema()))


class Linters(unittest.TestCase):
    def test_tflint(self):
        proc = tfkit.run([tfkit.TFLINT, "--recursive", "--config", os.path.join(tfkit.TERRAFORM, ".tflint.hcl"),
                          "--format", "compact", "--no-color"], "terraform")
        self.assertEqual(proc.returncode, 0, f"tflint findings:\n{tfkit.explain(proc)}")
        print(f"  tflint: clean ({proc.stdout.strip() or 'no findings'})")

    def test_checkov(self):
        # Checkov has no Hetzner policies of its own: terraform/checkov adds ours (firewall, cloud-init,
        # placement on every server), so the scan is not empty.
        proc = tfkit.run([tfkit.CHECKOV, "--directory", ".", "--framework", "terraform", "secrets", "--skip-download",
                          "--external-checks-dir", "checkov", "--compact"], "terraform", timeout=600)
        self.assertEqual(proc.returncode, 0, f"checkov findings:\n{tfkit.explain(proc)}")
        counts = re.search(r"Passed checks: \d+, Failed checks: \d+, Skipped checks: \d+", proc.stdout)
        self.assertTrue(counts, f"checkov ran no check:\n{tfkit.explain(proc)}")
        print(f"  checkov: {counts.group(0)}")


if __name__ == "__main__":
    unittest.main()
