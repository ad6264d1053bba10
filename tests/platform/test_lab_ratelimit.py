"""Per-client rate limit at the edge: a burst from one client is served exactly up to the limit,
then answered 429 problem+json, and the client is served again once its rate falls below it."""
import re
import unittest

import platformlab as pl


class RateLimitTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.vip = pl.environment()["vip"]["address"]
        cls.lbs = [h["name"] for h in pl.hosts("lb")]
        # The limit as the LBs run it (rendered from haproxy_rate_limit_per_10s).
        config = pl.ssh(cls.lbs[0], "sudo -n cat /etc/haproxy/haproxy.cfg").stdout
        cls.limit = int(re.search(r"sc_http_req_rate\(0\) gt (\d+)", config).group(1))

    def setUp(self):
        # Earlier requests from the client's address (other tests) must not count: forget them.
        for lb in self.lbs:
            pl.haproxy_api(lb, "clear table fe_tandem")

    def test_burst_is_served_up_to_the_limit_then_429_then_recovers(self):
        # wrk: 2 threads, 32 connections, 6 s: far above the limit from one address, and inside
        # one 10 s window, so the counter starts at 0 and nothing decays during the burst.
        proc = pl.client_run("wrk", "-t2", "-c32", "-d6s", f"https://{self.vip}/api/v1/hello?name=burst")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        total = int(re.search(r"(\d+) requests in", proc.stdout).group(1))
        rejected = re.search(r"Non-2xx or 3xx responses: (\d+)", proc.stdout)
        rejected = int(rejected.group(1)) if rejected else 0
        print(f"\n  burst from one client: {total} requests in 6 s, {total - rejected} served, {rejected} "
              f"rejected (limit {self.limit} per 10 s)")
        self.assertGreater(total, self.limit, "the burst did not exceed the limit: it proves nothing")
        self.assertEqual(total - rejected, self.limit)
        # right after the burst the 10 s rate is still far above the limit
        limited = pl.client_probe("once", self.vip, pl.ca_file())
        self.assertEqual(limited["status"], 429, limited)
        self.assertTrue(limited["content_type"].startswith("application/problem+json"), limited)
        self.assertIn(f"rate limit of {self.limit} requests per 10 s", limited["body"])
        self.assertEqual(limited["retry_after"], "10")
        # HAProxy's own answer carries what every answer carries (http-after-response)
        self.assertRegex(limited["headers"].get("strict-transport-security", ""), r"max-age=\d{7,}", limited)
        self.assertIn("x-request-id", limited["headers"], limited)
        # the window is 10 s: the client is served again within a deadline
        pl.wait_until(lambda: pl.client_probe("once", self.vip, pl.ca_file())["status"] == 200, 30,
                      "the client to be served again", interval=0.5)


if __name__ == "__main__":
    unittest.main()
