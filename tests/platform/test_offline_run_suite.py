"""tools/run-suite: a suite inside `make test` is green only if every test ran and passed."""
import os
import subprocess
import tempfile
import textwrap
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RUN_SUITE = os.path.join(REPO, "tools", "run-suite")


def run_suite(body):
    """Write one test module with the given test methods and run it through tools/run-suite."""
    with tempfile.TemporaryDirectory(prefix="run-suite-") as d:
        with open(os.path.join(d, "test_probe.py"), "w") as f:
            f.write("import unittest\n\n\nclass Probe(unittest.TestCase):\n" + textwrap.indent(body, "    "))
        p = subprocess.run([RUN_SUITE, "probe", d, "test_*.py"], text=True, timeout=60,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p.returncode, p.stdout.strip().splitlines()[-1]


class RunSuite(unittest.TestCase):
    def test_passing_suite_is_green(self):
        self.assertEqual(run_suite("def test_a(self):\n    pass\n"), (0, "probe: 1 passed, 0 failed"))

    def test_skip_counts_as_failure(self):
        rc, last = run_suite("def test_a(self):\n    pass\n\ndef test_b(self):\n    self.skipTest('no lab')\n")
        self.assertEqual((rc, last), (1, "probe: 1 passed, 1 failed"))

    def test_failure_and_error_count(self):
        rc, last = run_suite("def test_a(self):\n    self.fail('x')\n\ndef test_b(self):\n    raise OSError\n")
        self.assertEqual((rc, last), (1, "probe: 0 passed, 2 failed"))

    def test_no_tests_is_a_failure(self):
        rc, last = run_suite("pass\n")
        self.assertEqual((rc, last), (1, "probe: 0 passed, 1 failed"))


if __name__ == "__main__":
    unittest.main()
