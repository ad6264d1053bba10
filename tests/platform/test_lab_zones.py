"""A whole zone lost under steady load from the client namespace (the internet), hard thresholds:

- powered off: its LB and every other host of the zone lose power at the same moment (`lab/lab
  kill`). The other zone serves; requests fail only inside the failover window, at most one per
  client connection (those the VIP move cuts), and no client waits more than GAP_BUDGET_S;
- cut from the network: the router's legs into the zone go down and every host keeps running, so
  each LB can reach only its own zone's servers. 0 failed idempotent requests with the client's
  5 s timeout, and no request slower than SLOWEST_S (docs/decisions/0007-retry-policy.md).

The zone that holds the VIP is the one lost: the harder case. Each test restores the zone in a
cleanup, whatever fails.
"""
import unittest

import platformlab as pl

THREADS = 4
RATE = 100
GAP_BUDGET_S = 2.0     # as for one LB powered off (test_lab_faults.py)
SLOWEST_S = 3.0        # worst retry path: timeout server 2 s + connect 0.5 s + an answer; the client gives up at 5 s


def zone_of(name):
    return pl.host(name)["zone"]


def zone_hosts(zone):
    return [h["name"] for h in pl.hosts() if h["zone"] == zone]


class ZoneLossTest(unittest.TestCase):
    def setUp(self):
        self.holder = pl.vip_holder()
        self.assertIsNotNone(self.holder, "no load balancer holds the VIP")
        self.zone = zone_of(self.holder)
        self.peer = next(lb["name"] for lb in pl.hosts("lb") if zone_of(lb["name"]) != self.zone)

    def report(self, what, load):
        print(f"\n  {what}: {pl.describe(load)}", flush=True)

    def test_zone_powered_off(self):
        lost = zone_hosts(self.zone)
        self.addCleanup(self.power_on, lost)

        def power_off():
            proc = pl.run([pl.PYTHON, pl.LAB, "kill", *lost])
            self.assertEqual(proc.returncode, 0, proc.stderr)
            pl.wait_until(lambda: pl.vip_holder() == self.peer, 10, f"{self.peer} holding the VIP", interval=0.1)

        _, load, _, _ = pl.under_load(power_off, 2000, THREADS, RATE, mix="get")
        self.report(f"zone {self.zone} powered off ({', '.join(lost)})", load)
        self.assertLessEqual(load["failed"], THREADS, "only requests in flight, one per connection at most")
        self.assertLessEqual(load["longest_gap_s"], GAP_BUDGET_S)
        served = pl.client_probe("hello", pl.environment()["vip"]["address"], pl.ca_file(), "20")
        self.assertEqual(served["statuses"], {"200": 20}, served)
        self.assertNotIn(self.zone, served["zones"], f"zone {self.zone} is powered off, yet it answered")

    def test_zone_cut_from_the_network(self):
        self.addCleanup(self.heal)

        def cut():
            proc = pl.run([pl.PYTHON, pl.LAB, "cut", self.zone])
            self.assertEqual(proc.returncode, 0, proc.stderr)
            pl.wait_until(lambda: self.cross_zone_servers_down(), 15,
                          "each LB marking the other zone's servers DOWN", interval=0.2)

        _, load, _, _ = pl.under_load(cut, 3000, THREADS, RATE, mix="get")
        self.report(f"zone {self.zone} cut from the router", load)
        self.assertEqual(load["failed"], 0, load["failures"])
        self.assertLessEqual(load["latency_s"]["max"], SLOWEST_S, "a request hung on retries to unreachable servers")
        self.assertEqual(pl.vip_holder(), self.holder, "a cut behind the LBs must not move the VIP")

    def cross_zone_servers_down(self):
        for lb in pl.hosts("lb"):
            lb_zone = zone_of(lb["name"])
            states = pl.server_states(lb["name"])
            for server, state in states.items():
                if zone_of(server) != lb_zone and state != "DOWN":
                    return False
        return True

    def heal(self):
        proc = pl.run([pl.PYTHON, pl.LAB, "heal", self.zone])
        if proc.returncode != 0:
            raise AssertionError(f"lab heal {self.zone}: {proc.stderr}")
        pl.backend_up_everywhere()

    def power_on(self, lost):
        for name in lost:
            proc = pl.run([pl.PYTHON, pl.LAB, "start", name], timeout=180)
            if proc.returncode != 0:
                raise AssertionError(f"lab start {name}: {proc.stderr}")
        pl.wait_until(lambda: pl.vip_holder() == self.holder, 90, f"{self.holder} holding the VIP again", interval=0.2)
        pl.backend_up_everywhere()


if __name__ == "__main__":
    unittest.main()
