"""Offline tests of the alerting and recording rules (observability/victoriametrics/rules):
vmalert accepts every rule file, every vmalert-tool unit test passes, every alert has its labels,
annotations and runbook, and every alert is tested both firing and quiet.

Needs TANDEM_TOOLS_DIR (bin/vmalert and bin/vmalert-tool, built by `make go-tools`) and PyYAML
(Debian's python3-yaml: run with /usr/bin/python3). A missing tool fails, never skips.
"""
import os
import pathlib
import re
import subprocess
import tempfile
import unittest

import yaml

REPO = pathlib.Path(__file__).resolve().parents[2]
RULES_DIR = REPO / "observability" / "victoriametrics" / "rules"
TESTS_DIR = RULES_DIR / "tests"
RUNBOOKS_DIR = REPO / "docs" / "runbooks"
SEVERITIES = {"critical", "warning"}
ANNOTATIONS = ("summary", "description", "runbook_url")
# First line of every runbook these rules introduced (the others in docs/runbooks/ are not ours).
RUNBOOK_HEADING = re.compile(r"^# Alert: (\w+)$")
TOOL_TIMEOUT = 300


def tool(name):
    """Path of a built tool; a missing one is a failure that says what to do."""
    tools_dir = os.environ.get("TANDEM_TOOLS_DIR")
    if not tools_dir:
        raise AssertionError("TANDEM_TOOLS_DIR is not set: point it at the directory whose bin/ "
                             "holds vmalert and vmalert-tool (make go-tools builds them)")
    path = pathlib.Path(tools_dir) / "bin" / name
    if not os.access(path, os.X_OK):
        raise AssertionError(f"{path} is missing or not executable "
                             f"(TANDEM_TOOLS_DIR={tools_dir}; make go-tools builds it)")
    return path


def run(*cmd):
    """Run a tool in a private temporary directory: vmalert-tool keeps its storage in $TMPDIR."""
    with tempfile.TemporaryDirectory(prefix="tandem-rules-") as tmp:
        env = dict(os.environ, TMPDIR=tmp)
        return subprocess.run([str(c) for c in cmd], env=env, cwd=tmp, text=True, check=False,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=TOOL_TIMEOUT)


def load(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def rule_files():
    return sorted(RULES_DIR.glob("*.yml"))


def test_files():
    return sorted(TESTS_DIR.glob("*.test.yml"))


def rules(kind):
    """(file, rule) for every rule of a kind ("alert" or "record") in every rule file."""
    return [(path, rule) for path in rule_files() for group in load(path)["groups"]
            for rule in group["rules"] if kind in rule]


def alerts():
    """Alerting rules by name."""
    return {rule["alert"]: rule for _, rule in rules("alert")}


def kebab(name):
    """ApiLatencyBurnRate1h5m -> api-latency-burn-rate-1h-5m."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[a-z])(?=[0-9])", "-", name).lower()


def alert_tests():
    """(alertname, fires) for every alert_rule_test case of every test file."""
    return [(case["alertname"], bool(case.get("exp_alerts")))
            for path in test_files() for group in load(path)["tests"]
            for case in group.get("alert_rule_test", [])]


def our_runbooks():
    """{runbook path: alert name in its heading} for the runbooks these rules introduced."""
    found = {}
    for path in sorted(RUNBOOKS_DIR.glob("*.md")):
        first = path.read_text(encoding="utf-8").split("\n", 1)[0]
        match = RUNBOOK_HEADING.match(first)
        if match:
            found[path] = match.group(1)
    return found


class ToolsTest(unittest.TestCase):
    def assert_each_passes(self, files, where, command):
        """command(path) -> argv; every file must give exit status 0."""
        self.assertTrue(files, f"nothing to check in {where}")
        for path in files:
            with self.subTest(file=path.name):
                argv = command(path)
                proc = run(*argv)
                self.assertEqual(proc.returncode, 0, f"{' '.join(map(str, argv))}:\n{proc.stdout}")

    def test_vmalert_dry_run_accepts_every_rule_file(self):
        vmalert = tool("vmalert")
        self.assert_each_passes(rule_files(), RULES_DIR, lambda path: (vmalert, "-dryRun", f"-rule={path}"))

    def test_every_unit_test_file_passes(self):
        vmalert_tool = tool("vmalert-tool")
        self.assert_each_passes(test_files(), TESTS_DIR,
                                lambda path: (vmalert_tool, "unittest", f"--files={path}"))


class RulesTest(unittest.TestCase):
    def test_alert_names_are_unique(self):
        names = [rule["alert"] for _, rule in rules("alert")]
        self.assertEqual(sorted(n for n in set(names) if names.count(n) > 1), [])

    def test_every_alert_has_severity_annotations_and_runbook(self):
        for name, rule in alerts().items():
            with self.subTest(alert=name):
                self.assertIn(rule.get("labels", {}).get("severity"), SEVERITIES)
                annotations = rule.get("annotations", {})
                for key in ANNOTATIONS:
                    self.assertTrue(annotations.get(key), f"annotation {key} missing")
                self.assertEqual(annotations["runbook_url"], f"docs/runbooks/{kebab(name)}.md")
                self.assertTrue((REPO / annotations["runbook_url"]).is_file(),
                                f"{annotations['runbook_url']} does not exist")

    def test_every_record_is_read_by_an_alert(self):
        exprs = " ".join(rule["expr"] for _, rule in rules("alert"))
        for _, rule in rules("record"):
            with self.subTest(record=rule["record"]):
                self.assertRegex(exprs, re.escape(rule["record"]) + r"\b")


class UnitTestCoverageTest(unittest.TestCase):
    def test_every_rule_file_is_under_test(self):
        tested = {(path.parent / name).resolve() for path in test_files()
                  for name in load(path)["rule_files"]}
        for path in rule_files():
            with self.subTest(file=path.name):
                self.assertIn(path.resolve(), tested)

    def test_tests_name_existing_alerts(self):
        names = alerts()
        for name, _ in alert_tests():
            with self.subTest(alert=name):
                self.assertIn(name, names, "an alert_rule_test names no alert: it would always pass")

    def test_every_alert_is_tested_firing_and_quiet(self):
        cases = alert_tests()
        for name in alerts():
            with self.subTest(alert=name):
                self.assertIn((name, True), cases, "no case where it fires (non-empty exp_alerts)")
                self.assertIn((name, False), cases, "no case where it stays quiet (empty exp_alerts)")


class RunbooksTest(unittest.TestCase):
    def test_no_orphan_runbook(self):
        linked = {REPO / rule["annotations"]["runbook_url"]: name for name, rule in alerts().items()}
        for path, name in our_runbooks().items():
            with self.subTest(runbook=path.name):
                self.assertEqual(linked.get(path), name, f"{path.name} is linked by no alert {name}")

    def test_every_alert_runbook_is_ours(self):
        ours = our_runbooks()
        for name, rule in alerts().items():
            with self.subTest(alert=name):
                path = REPO / rule["annotations"]["runbook_url"]
                self.assertEqual(ours.get(path), name, f"{path.name} must start with '# Alert: {name}'")


if __name__ == "__main__":
    unittest.main()
