"""A second converge changes nothing."""
import time
import unittest

import platformlab as pl


class IdempotenceTest(unittest.TestCase):
    def test_second_converge_changes_nothing(self):
        first = pl.playbook()
        self.assertEqual(first.returncode, 0, first.stdout[-3000:])
        start = time.monotonic()
        second = pl.playbook()
        took = time.monotonic() - start
        self.assertEqual(second.returncode, 0, second.stdout[-3000:])
        result = pl.recap(second.stdout)
        print(f"\n  second site.yml run: {took:.1f} s, " +
              ", ".join(f"{h} changed={r['changed']}" for h, r in sorted(result.items())))
        changed, task = [], ""
        for line in second.stdout.splitlines():
            if line.startswith("TASK ["):
                task = line.split("]")[0] + "]"
            elif line.startswith("changed:"):
                changed.append(f"{task} {line}")
        self.assertTrue(result)
        self.assertEqual({h: r["changed"] for h, r in result.items() if r["changed"]}, {}, "\n".join(changed))


if __name__ == "__main__":
    unittest.main()
