"""Per-client rate limit at the edge: a burst above the limit gets 429 problem+json, and the
client is served again once its rate falls below the limit."""
import re
import unittest

import platformlab as pl


class RateLimitTest(unittest.TestCase):
    def test_burst_above_the_limit_gets_429_then_recovers(self):
        vip = pl.environment()["vip"]["address"]
        # wrk: 2 threads, 32 connections, 6 s: far above 3000 requests per 10 s from one address
        proc = pl.run(["ip", "netns", "exec", pl.client_netns(), "wrk", "-t2", "-c32", "-d6s",
                       f"https://{vip}/api/v1/hello?name=burst"], timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        total = int(re.search(r"(\d+) requests in", proc.stdout).group(1))
        rejected = re.search(r"Non-2xx or 3xx responses: (\d+)", proc.stdout)
        rejected = int(rejected.group(1)) if rejected else 0
        print(f"\n  burst from one client: {total} requests in 6 s, {rejected} rejected, {total - rejected} served")
        self.assertGreater(rejected, 0, "no request was rate limited")
        # right after the burst the 10 s rate is still far above the limit
        limited = pl.client_probe("once", vip, pl.ca_file())
        self.assertEqual(limited["status"], 429, limited)
        self.assertTrue(limited["content_type"].startswith("application/problem+json"), limited)
        self.assertIn("rate limit", limited["body"])
        self.assertEqual(limited["retry_after"], "10")
        # the window is 10 s: the client is served again within a deadline
        pl.wait_until(lambda: pl.client_probe("once", vip, pl.ca_file())["status"] == 200, 30,
                      "the client to be served again", interval=0.5)


if __name__ == "__main__":
    unittest.main()
