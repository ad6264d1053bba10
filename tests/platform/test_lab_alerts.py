"""Alerts reach a person: a lost app host is mailed once by the Alertmanager cluster and its end is
mailed too; a whole zone powered off is mailed from the other zone's obs host. Each test states its
deadline and prints the measured delay (docs/observability.md has the figures)."""
import email.utils
import time
import unittest

import obslab
import platformlab as pl

# Scrape every 10 s (timeout 5 s), evaluation every 10 s, `for: 30s` counted from the first failed
# evaluation, group_wait 10 s, local mail: 74-81 s measured. The resolved notice waits for the host to
# boot and for the group's next flush (group_interval 60 s).
FIRING_DEADLINE_S = 120
RESOLVED_DEADLINE_S = 240
RECOVERY_DEADLINE_S = 180


def sent_after(message, since):
    return email.utils.parsedate_to_datetime(message["Date"]).timestamp() >= since - 1


def find_mail(since, *words, where=None):
    """[(obs host, message)] of mail sent after `since` whose subject holds every word."""
    boxes = obslab.mails_everywhere() if where is None else {where: obslab.mails(where)}
    return [(obs, m) for obs, messages in boxes.items()
            for m in obslab.matching(messages, *words) if sent_after(m, since)]


def wait_for_mail(since, deadline_s, *words, where=None):
    found = pl.wait_until(lambda: find_mail(since, *words, where=where), deadline_s,
                          f"a mail {' '.join(words)} in {where or 'any mailbox'}", interval=1)
    return found, time.time() - since


class AppHostLostTest(unittest.TestCase):
    def setUp(self):
        self.host = sorted(h["name"] for h in pl.hosts("app"))[-1]
        self.addCleanup(pl.backend_up_everywhere, RECOVERY_DEADLINE_S)

    def test_a_lost_app_host_is_mailed_once_then_its_recovery(self):
        lost_at = time.time()
        pl.power_off(self.host)
        try:
            _, delay = wait_for_mail(lost_at, FIRING_DEADLINE_S, "[FIRING", "ServiceInstanceDown", self.host)
            print(f"\n  {self.host} powered off: ServiceInstanceDown mailed after {delay:.0f} s "
                  f"(deadline {FIRING_DEADLINE_S} s)", flush=True)
        finally:
            back_at = time.time()
            pl.power_on(self.host)
        _, delay = wait_for_mail(back_at, RESOLVED_DEADLINE_S, "[RESOLVED]", "ServiceInstanceDown", self.host)
        print(f"  {self.host} back: resolved notice mailed after {delay:.0f} s (deadline {RESOLVED_DEADLINE_S} s)",
              flush=True)
        firing = find_mail(lost_at, "[FIRING", "ServiceInstanceDown", self.host)
        self.assertEqual(len(firing), 1, f"the cluster must send one notification, sent {len(firing)}: "
                                         f"{[(obs, m['Subject']) for obs, m in firing]}")


class ZoneLostTest(unittest.TestCase):
    def setUp(self):
        first, self.witness = obslab.obs_hosts()[:2]
        self.zone = pl.host(first)["zone"]
        self.assertNotEqual(pl.host(self.witness)["zone"], self.zone, "the obs hosts must be in two zones")
        self.lost = sorted(h["name"] for h in pl.hosts() if h["zone"] == self.zone)
        self.holder = pl.vip_holder()
        self.addCleanup(self.recover)

    def recover(self):
        pl.power_on(*self.lost)
        pl.wait_until(lambda: pl.vip_holder() == self.holder, RECOVERY_DEADLINE_S,
                      f"{self.holder} holding the VIP again", interval=0.5)
        pl.backend_up_everywhere(RECOVERY_DEADLINE_S)
        want = len(obslab.obs_hosts())
        for obs in obslab.obs_hosts():
            pl.wait_until(lambda o=obs: len(obslab.alertmanager(o, "status")["cluster"]["peers"]) == want,
                          RECOVERY_DEADLINE_S, f"{obs} back in the Alertmanager cluster", interval=1)

    def test_a_zone_powered_off_is_mailed_from_the_other_zone(self):
        lost_at = time.time()
        pl.power_off(*self.lost)
        found, delay = wait_for_mail(lost_at, FIRING_DEADLINE_S, "[FIRING", "ZoneDown", f" {self.zone} ",
                                     where=self.witness)
        print(f"\n  zone {self.zone} powered off ({', '.join(self.lost)}): ZoneDown mailed from "
              f"{self.witness} after {delay:.0f} s (deadline {FIRING_DEADLINE_S} s)", flush=True)
        self.assertIn(f"@{self.witness}.", found[0][1]["From"], "the mail must come from the surviving obs host")
        self.assert_still_collecting()

    def assert_still_collecting(self):
        """While the zone is gone, the witness still scrapes the other zone and still receives its logs."""
        other = pl.host(self.witness)["zone"]
        up = obslab.vm_query(self.witness, f'up{{zone="{other}", job="service"}} == 1')
        self.assertTrue(up, f"{self.witness} no longer scrapes zone {other}")
        request_id = obslab.request_through_vip("zone-lost")
        query = f'{{unit="tandem.service", zone="{other}"}} |= "{request_id}"'
        pl.wait_until(lambda: obslab.loki_query(self.witness, query), 30,
                      f"request {request_id} in the Loki of {self.witness} while zone {self.zone} is gone", interval=0.5)
        print(f"  {self.witness} still scrapes {len(up)} service targets of zone {other} and has request {request_id} "
              f"in its Loki", flush=True)


if __name__ == "__main__":
    unittest.main()
