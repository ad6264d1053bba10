"""Every panel of every dashboard shows data: after traffic through the VIP, each panel query
(observability/grafana/panel-queries.py, variables at "All", the log panels' status floor at 0)
returns a non-empty result from each obs host's VictoriaMetrics or Loki."""
import json
import os
import unittest

import obslab
import platformlab as pl

PANEL_QUERIES = os.path.join(pl.REPO, "observability", "grafana", "panel-queries.py")
DATA_DEADLINE_S = 60   # rate() over 1m needs two scrapes after the traffic
REQUESTS = 40


def panel_queries():
    proc = pl.run([pl.PYTHON, PANEL_QUERIES, "--var", "log_status=0"])
    if proc.returncode != 0:
        raise AssertionError(f"panel-queries.py: {proc.stderr}")
    return [json.loads(line) for line in proc.stdout.splitlines()]


def has_data(obs, query):
    if query["datasource"] == "loki":
        return bool(obslab.loki_query(obs, query["expr"], since_s=3600, limit=1))
    return bool(obslab.vm_query(obs, query["expr"]))


class DashboardsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        vip = pl.environment()["vip"]["address"]
        for i in range(REQUESTS):
            path = "/api/v1/hello?name=panel" if i % 4 else "/api/v1/nowhere"
            pl.client_run("curl", "-sS", "-o", "/dev/null", "--cacert", pl.ca_file(), f"https://{vip}{path}")

    def test_every_panel_query_returns_data_on_each_obs_host(self):
        queries = panel_queries()
        self.assertGreater(len(queries), 0)
        for obs in obslab.obs_hosts():
            done = pl.wait_until(lambda o=obs: self.all_have_data(o, queries), DATA_DEADLINE_S,
                                  lambda o=obs: f"data for every panel on {o}; none yet for {self.last_missing}", interval=2)
            self.assertTrue(done)
        print(f"\n  {len(queries)} panel queries returned data on {', '.join(obslab.obs_hosts())}", flush=True)

    def all_have_data(self, obs, queries):
        """True once every query has data; otherwise None (wait_until keeps polling)."""
        missing = [q for q in queries if not has_data(obs, q)]
        self.last_missing = [(q["dashboard"], q["panel"], q["refId"]) for q in missing]
        return True if not missing else None


if __name__ == "__main__":
    unittest.main()
