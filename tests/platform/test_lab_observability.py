"""Observability in the converged lab: both obs hosts scrape every target of both zones with the
inventory's labels, the VRRP state and the public endpoint are measured, the Alertmanagers form one
cluster, and every host's journal reaches both Lokis with its labels."""
import json
import os
import time
import unittest
import uuid

import obslab
import platformlab as pl

# job -> inventory group whose hosts it scrapes (the blackbox probe and per-obs jobs aside)
JOB_GROUPS = {"service": "app", "haproxy": "lb", "node": None, "victoriametrics": "obs", "vmagent": "obs",
              "vmalert": "obs", "alertmanager": "obs", "loki": "obs", "zipkin": "obs"}
RECEIVERS_PLAYBOOK = os.path.join(pl.HERE, "fixtures", "alertmanager-receivers.yml")
SCRAPE_DEADLINE_S = 60   # two scrape intervals and vmagent's start, with room
LOG_DEADLINE_S = 30      # promtail batches every second; Loki answers at once
TRACE_DEADLINE_S = 30    # the agent exports a batch every 5 s; Zipkin stores it at once


def expected_targets():
    return {(job, h["name"], h["zone"], next(g for g in ("lb", "app", "obs") if g in h["groups"]))
            for job, group in JOB_GROUPS.items() for h in pl.hosts(group)}


class MetricsTest(unittest.TestCase):
    def test_every_target_of_both_zones_is_up_on_each_obs_host(self):
        want = expected_targets()
        for obs in obslab.obs_hosts():
            with self.subTest(obs=obs):
                def seen():
                    got = {(m["job"], m.get("host"), m.get("zone"), m.get("role"))
                           for m, v in obslab.vm_query(obs, "up == 1") if m["job"] in JOB_GROUPS}
                    return got if want <= got else None
                got = pl.wait_until(seen, SCRAPE_DEADLINE_S, f"every target up on {obs}", interval=1)
                self.assertEqual(got, want, f"{obs} scrapes targets the inventory does not have")

    def test_the_vip_holder_is_the_one_vrrp_master(self):
        holder = pl.vip_holder()
        for obs in obslab.obs_hosts():
            with self.subTest(obs=obs):
                def masters():
                    found = sorted(m["host"] for m, v in obslab.vm_query(obs, "tandem_vrrp_master") if v == 1)
                    return found if found == [holder] else None
                pl.wait_until(masters, SCRAPE_DEADLINE_S, f"{obs} to see {holder} as the only VRRP master", interval=1)

    def test_the_public_endpoint_is_probed_with_its_certificate(self):
        for obs in obslab.obs_hosts():
            with self.subTest(obs=obs):
                probe = pl.wait_until(lambda o=obs: obslab.vm_query(o, 'probe_success{job="blackbox"} == 1'),
                                      SCRAPE_DEADLINE_S, f"{obs}: a successful probe", interval=1)
                self.assertNotIn("host", probe[0][0], "both obs hosts must write the same probe series")
                expiry = obslab.vm_query(obs, 'probe_ssl_earliest_cert_expiry{job="blackbox"}')
                self.assertGreater(expiry[0][1], time.time() + 86400, "the certificate expires within a day")


class AlertmanagerClusterTest(unittest.TestCase):
    def test_every_alertmanager_sees_every_peer(self):
        want = len(obslab.obs_hosts())
        for obs in obslab.obs_hosts():
            with self.subTest(obs=obs):
                status = pl.wait_until(
                    lambda o=obs: (s := obslab.alertmanager(o, "status"))["cluster"]["status"] == "ready"
                    and len(s["cluster"]["peers"]) == want and s, 60, f"{obs}: a ready cluster of {want}")
                self.assertEqual(len(status["cluster"]["peers"]), want)

    def test_the_receivers_of_a_real_deployment_pass_amtool(self):
        """Chat and pager are off in the lab (no way out); with their secrets' files given, the configuration
        a real deployment gets must still be valid: rendered on an obs host and checked by its amtool."""
        proc = pl.playbook("-e", "alertmanager_chat_webhook_url_file=/etc/prometheus/chat-webhook-url",
                           "-e", "alertmanager_pager_routing_key_file=/etc/prometheus/pager-routing-key",
                           book=RECEIVERS_PLAYBOOK, timeout=300, env={"ANSIBLE_STDOUT_CALLBACK": "json", "ANSIBLE_CALLBACKS_ENABLED": "json"})
        self.assertEqual(proc.returncode, 0, proc.stdout[-3000:])
        results = {t["task"]["name"]: next(iter(t["hosts"].values())) for t in json.loads(proc.stdout)["plays"][0]["tasks"]}
        print("\n  amtool: " + "; ".join(results["Show what amtool found"]["msg"]), flush=True)
        self.assertIn("SUCCESS", results["Show what amtool found"]["msg"][0])
        receivers = json.loads(results["Print them"]["msg"].removeprefix("receivers="))
        kinds = {name: sorted(k for k in r if k.endswith("_configs")) for r in receivers for name in [r["name"]]}
        self.assertEqual(kinds, {"oncall": ["email_configs", "slack_configs"], "pager": ["pagerduty_configs"]})


class LogsTest(unittest.TestCase):
    def test_a_request_through_the_vip_is_in_both_lokis(self):
        request_id = obslab.request_through_vip(f"loki-{uuid.uuid4().hex[:8]}")
        for obs in obslab.obs_hosts():
            with self.subTest(obs=obs):
                query = f'{{unit="tandem.service"}} |= "{request_id}"'
                started = time.monotonic()
                found = pl.wait_until(lambda o=obs: obslab.loki_query(o, query), LOG_DEADLINE_S,
                                      f"request {request_id} in the Loki of {obs}", interval=0.5)
                print(f"\n  {obs}: request {request_id} found in Loki after {time.monotonic() - started:.1f} s",
                      flush=True)
                labels, line = found[0]
                self.assertIn(request_id, line)
                self.assertEqual(labels["unit"], "tandem.service")
                self.assertEqual(labels["level"], "info")
                self.assertIn(labels["host"], [h["name"] for h in pl.hosts("app")])
                self.assertEqual(labels["zone"], pl.host(labels["host"])["zone"])

    def test_every_host_ships_its_journal_to_both_lokis(self):
        want = {h["name"] for h in pl.hosts()}
        for obs in obslab.obs_hosts():
            with self.subTest(obs=obs):
                def hosts_seen():
                    got = {m["host"] for m, _ in obslab.loki_metric(obs, 'sum by (host) (count_over_time({host=~".+"}[1h]))')}
                    return got if want <= got else None
                pl.wait_until(hosts_seen, LOG_DEADLINE_S, f"a journal line of every host in the Loki of {obs}",
                              interval=1)


class TracesTest(unittest.TestCase):
    def test_a_request_through_the_vip_is_traced_in_its_zones_zipkin(self):
        request_id = obslab.request_through_vip(f"trace-{uuid.uuid4().hex[:8]}")
        obs = obslab.obs_hosts()[0]
        query = f'{{unit="tandem.service"}} |= "{request_id}" |= "tandem.access"'
        labels, line = pl.wait_until(lambda: obslab.loki_query(obs, query), LOG_DEADLINE_S,
                                     f"the access line of {request_id} in the Loki of {obs}", interval=0.5)[0]
        access = json.loads(line)
        trace_id, span_id = access.get("trace_id"), access.get("span_id")
        self.assertRegex(trace_id or "", r"^[0-9a-f]{32}$", f"no trace_id in the access line: {line}")
        self.assertRegex(span_id or "", r"^[0-9a-f]{16}$", f"no span_id in the access line: {line}")
        app, target = labels["host"], obslab.zipkin_of(labels["host"])
        started = time.monotonic()
        spans = pl.wait_until(lambda: obslab.zipkin_trace(target, trace_id), TRACE_DEADLINE_S,
                              f"trace {trace_id} of {app} in the Zipkin of {target}", interval=0.5)
        print(f"\n  {app}: trace {trace_id} in the Zipkin of {target} after {time.monotonic() - started:.1f} s "
              f"(after the line was in Loki)", flush=True)
        server = [s for s in spans if s["id"] == span_id]
        self.assertEqual(len(server), 1, f"the access line's span {span_id} is not in {spans}")
        self.assertEqual(server[0]["kind"], "SERVER")
        self.assertEqual(server[0]["localEndpoint"]["serviceName"], "tandem-service")
        self.assertEqual(server[0]["tags"].get("http.route"), "/api/v1/hello")
        self.assertEqual(server[0]["tags"].get("http.response.status_code"), "200")
        for other in set(obslab.obs_hosts()) - {target}:
            self.assertIsNone(obslab.zipkin_trace(other, trace_id), f"{other} holds spans of {app}")


if __name__ == "__main__":
    unittest.main()
