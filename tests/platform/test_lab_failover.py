"""VRRP failover seen from the internet: the master LB fails, the backup takes the VIP; the master
comes back and takes it back (preempt). Measures the outage and counts failed requests."""
import json
import subprocess
import unittest

import platformlab as pl


def summarise(samples, old, new):
    """Outage = last answer from `old` before the switch -> first answer from `new`."""
    first_new = next(i for i, (_, who) in enumerate(samples) if who == new)
    last_old = max((i for i, (_, who) in enumerate(samples[:first_new]) if who == old), default=0)
    errors = [who for _, who in samples[last_old + 1:first_new]]
    return {"outage_ms": round((samples[first_new][0] - samples[last_old][0]) * 1000),
            "failed_requests": len(errors), "requests": len(samples), "errors": sorted(set(errors))}


class FailoverTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.vip = pl.environment()["vip"]["address"]
        lbs = sorted(h["name"] for h in pl.hosts("lb"))
        cls.master, cls.backup = lbs[0], lbs[1]

    def served_by(self):
        proc = pl.run(["ip", "netns", "exec", pl.client_netns(), pl.PYTHON, pl.PROBE, "watch",
                       self.vip, pl.ca_file(), "0.01", "none"], timeout=10)
        return json.loads(proc.stdout.splitlines()[0])[1]

    def watcher(self, until):
        return subprocess.Popen(["ip", "netns", "exec", pl.client_netns(), pl.PYTHON, pl.PROBE, "watch",
                                 self.vip, pl.ca_file(), "20", until], stdout=subprocess.PIPE, text=True)

    def run_event(self, command, until):
        watcher = self.watcher(until)
        # the event is triggered only once the watcher has its first answer (from the LB holding the VIP)
        samples = [json.loads(watcher.stdout.readline())]
        proc = pl.ssh(self.master, command)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        out, _ = watcher.communicate(timeout=60)
        return samples + [json.loads(line) for line in out.splitlines()]

    def restore_master(self):
        """Whatever failed halfway: keepalived runs again on the master and it holds the VIP."""
        pl.ssh(self.master, "sudo -n systemctl start keepalived.service")
        pl.wait_until(lambda: self.served_by() == self.master, 30, f"{self.master} holding the VIP again",
                      interval=0.2)

    def test_master_failure_and_return(self):
        pl.wait_until(lambda: self.served_by() == self.master, 30, f"{self.master} holding the VIP", interval=0.2)
        self.addCleanup(self.restore_master)
        # hard failure of keepalived on the master (SIGKILL: no priority-0 advert); ExecStopPost drops the VIP
        samples = self.run_event("sudo -n systemctl kill -s SIGKILL keepalived.service", self.backup)
        down = summarise(samples, self.master, self.backup)
        print(f"\n  kill -9 keepalived on {self.master}: {self.backup} answered after {down['outage_ms']} ms, "
              f"{down['failed_requests']} failed of {down['requests']} requests {down['errors']}")
        vip_left = pl.ssh(self.master, f"ip -br addr | grep -c ' {self.vip}/' || true").stdout.strip()
        self.assertEqual(vip_left, "0", "the VIP stayed on the killed master")
        # the master comes back and preempts
        samples = self.run_event("sudo -n systemctl start keepalived.service", self.master)
        back = summarise(samples, self.backup, self.master)
        print(f"  keepalived back on {self.master}: VIP moved back, {back['failed_requests']} failed of "
              f"{back['requests']} requests")
        self.assertLess(down["outage_ms"], 2000)
        self.assertLessEqual(back["failed_requests"], 2)


if __name__ == "__main__":
    unittest.main()
