"""The request path from the internet (the client namespace): VIP -> HAProxy -> apps in both zones."""
import json
import unittest

import platformlab as pl


class EdgeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = pl.environment()
        cls.vip = cls.env["vip"]["address"]
        cls.ca = pl.ca_file()

    def test_hello_reaches_every_app_host_of_both_zones(self):
        result = pl.client_probe("hello", self.vip, self.ca, "100")
        print(f"\n  hello x100 via https://{self.vip}: statuses={result['statuses']} hosts={result['hosts']} "
              f"zones={result['zones']} versions={result['versions']} tls={result['tls']} latency_ms={result['latency_ms']}")
        self.assertEqual(result["statuses"], {"200": 100})
        apps = {h["name"] for h in pl.hosts("app")}
        self.assertEqual(set(result["hosts"]), apps, "every app host answers through the VIP")
        self.assertEqual(set(result["zones"]), {h["zone"] for h in pl.hosts("app")}, "both zones answer")
        self.assertEqual(len(result["versions"]), 1)
        self.assertIn(result["tls"]["version"], ("TLSv1.2", "TLSv1.3"))

    def test_request_id_the_client_gets_is_the_one_the_service_logged(self):
        answer = pl.client_probe("once", self.vip, self.ca)
        self.assertEqual(answer["status"], 200, answer)
        request_id = answer["headers"]["x-request-id"]
        app = json.loads(answer["body"])["host"]

        def logged():
            proc = pl.ssh(app, f"sudo -n journalctl -u tandem.service -o cat --no-pager -g '{request_id}'")
            lines = [json.loads(l) for l in proc.stdout.splitlines() if l.startswith("{")]
            return [l for l in lines if l.get("logger") == "tandem.access"]
        lines = pl.wait_until(logged, 10, f"the access-log line of request {request_id} on {app}", interval=0.2)
        print(f"\n  {request_id} answered by {app}; its access-log line: {lines[0]}")
        self.assertEqual(len(lines), 1, lines)
        self.assertEqual((lines[0]["request_id"], lines[0]["path"], lines[0]["status"]),
                         (request_id, "/api/v1/hello", 200))

    def test_tls_1_0_and_1_1_handshakes_fail_and_1_2_succeeds(self):
        # SECLEVEL=0 lets the client offer the old versions at all (OpenSSL 3 refuses to by default),
        # so a failure is the server's refusal, not the client's.
        def handshake(version):
            proc = pl.client_run("openssl", "s_client", "-connect", f"{self.vip}:443", f"-{version}",
                                 "-cipher", "DEFAULT:@SECLEVEL=0", "-CAfile", self.ca, "-verify_return_error",
                                 "-brief", input_text="", timeout=20)
            return proc.returncode, (proc.stdout + proc.stderr).strip()
        results = {v: handshake(v) for v in ("tls1", "tls1_1", "tls1_2")}
        print("\n  " + "; ".join(f"{v}: rc={rc} {out.splitlines()[0] if out else ''}" for v, (rc, out) in results.items()))
        self.assertEqual(results["tls1_2"][0], 0, results["tls1_2"][1])
        for version in ("tls1", "tls1_1"):
            rc, out = results[version]
            self.assertNotEqual(rc, 0, f"{version} handshake succeeded: {out}")
            # the server's refusal (an alert from the LB), not a client that would not offer the version
            self.assertRegex(out, r"alert protocol version|unsupported protocol",
                             f"{version}: not a protocol refusal by the server: {out}")

    def test_hsts_header(self):
        result = pl.client_probe("hello", self.vip, self.ca, "1")
        hsts = result["headers"].get("strict-transport-security", "")
        self.assertRegex(hsts, r"max-age=\d{7,}")

    def test_plain_http_redirects_to_https(self):
        result = pl.client_probe("redirect", self.vip)
        self.assertIn(result["status"], (301, 308))
        self.assertTrue(result["location"].startswith(f"https://{self.vip}/api/v1/hello"), result)
        # HAProxy's own answer carries the request id too (http-after-response)
        self.assertRegex(result["headers"].get("x-request-id", ""), r".+_.+", result)

    def test_client_supplied_forwarding_headers_are_replaced(self):
        answer = pl.client_probe("forged", self.vip, self.ca, "203.0.113.9")
        self.assertEqual(answer["status"], 200, answer)
        app = json.loads(answer["body"])["host"]

        def logged():
            proc = pl.ssh(app, f"sudo -n journalctl -u tandem.service -o cat --no-pager -g '{answer['request_id']}'")
            return [json.loads(l) for l in proc.stdout.splitlines() if l.startswith("{") and '"tandem.access"' in l]
        line = pl.wait_until(logged, 10, f"the access-log line of {answer['request_id']} on {app}", interval=0.2)[0]
        print(f"\n  client claimed X-Forwarded-For 203.0.113.9; the service saw forwarded_for={line.get('forwarded_for')!r}")
        self.assertEqual(line.get("forwarded_for"), pl.client_address())

    def test_connection_caps_in_force(self):
        defaults = pl.role_defaults("haproxy")
        for lb in pl.hosts("lb"):
            info = dict(line.split(": ", 1) for line in pl.haproxy_api(lb["name"], "show info").splitlines()
                        if ": " in line)
            frontend = next(r for r in pl.haproxy_stat(lb["name"])
                            if r["pxname"] == "fe_tandem" and r["svname"] == "FRONTEND")
            self.assertEqual(int(info["Maxconn"]), defaults["haproxy_maxconn_global"], lb["name"])
            self.assertEqual(int(frontend["slim"]), defaults["haproxy_maxconn_frontend"], lb["name"])

    def test_one_source_holds_at_most_its_connection_limit(self):
        limit = pl.role_defaults("haproxy")["haproxy_conn_per_source"]
        # A connection of an earlier test that the LB has not finished closing still counts for this
        # address for a moment (seen right after the forged-header test): measure again, with a deadline,
        # until no such straggler is left. A limit that does not work fails every measurement.
        tries = []

        def measured_cleanly():
            tries.append(pl.client_probe("conns", self.vip, str(limit)))
            return tries[-1]["held_open"] == limit and not tries[-1]["extra_open"]
        pl.wait_until(measured_cleanly, 30, lambda: f"the per-source limit to hold; measured {tries}", interval=1)
        result = tries[-1]
        print(f"\n  {limit} connections from one client, then one more: {result} ({len(tries)} measurement(s))")
        self.assertEqual(result["held_open"], limit, tries)
        self.assertFalse(result["extra_open"], "the connection over the per-source limit was kept")

    def test_a_slow_request_body_holds_no_server_connection(self):
        holder = pl.vip_holder()
        n = 20
        proc = pl.client_popen("slowbody", self.vip, self.ca, str(n))
        self.addCleanup(proc.communicate, "done\n", 30)
        self.assertEqual(proc.stdout.readline().strip(), "sent")
        rows = pl.haproxy_stat(holder)
        frontend = next(r for r in rows if r["pxname"] == "fe_tandem" and r["svname"] == "FRONTEND")
        backend = next(r for r in rows if r["pxname"] == "be_tandem" and r["svname"] == "BACKEND")
        print(f"\n  {n} POSTs with unfinished bodies: frontend sessions {frontend['scur']}, "
              f"backend sessions {backend['scur']}")
        self.assertGreaterEqual(int(frontend["scur"]), n, "the slow requests are not open on the VIP holder")
        self.assertEqual(int(backend["scur"]), 0, "a slow body holds a server connection")

    def test_bad_echo_is_a_problem_json_400_through_the_lb(self):
        result = pl.client_probe("badecho", self.vip, self.ca)
        self.assertEqual(result["status"], 400, result)
        self.assertTrue(result["content_type"].startswith("application/problem+json"), result)

    def test_only_80_and_443_on_the_vip_answer_from_the_internet(self):
        lb_public = [i["address"] for h in pl.hosts("lb") for i in h["interfaces"]
                     if i["network"] == self.env["vip"]["network"]]
        closed = [f"{a}:{p}" for a in [self.vip, *lb_public] for p in (22, 8405, 9100, 8080, 9090)]
        closed += [f"{a}:{p}" for a in lb_public for p in (80, 443)]
        open_ = [f"{self.vip}:80", f"{self.vip}:443"]
        result = pl.client_probe("ports", "1.0", *closed, *open_)
        print(f"\n  probes from the client: {sum(r['result'] != 'open' for r in result.values())} closed, "
              f"{sum(r['result'] == 'open' for r in result.values())} open")
        for target in closed:
            self.assertNotEqual(result[target]["result"], "open", f"{target} answers from the internet")
        for target in open_:
            self.assertEqual(result[target]["result"], "open", f"{target} should answer")

    def test_app_hosts_and_obs_are_unreachable_from_the_internet(self):
        targets = [f"{h['address']}:{p}" for h in pl.hosts("app") for p in (22, 8080, 9090, 9100)]
        targets += [f"{h['address']}:{p}" for h in pl.hosts("obs") for p in (22, 9100, 8428, 8880, 9093, 9094, 3100, 9411)]
        targets += [f"{h['address']}:{p}" for h in pl.hosts("lb") for p in (22, 80, 443, 8405, 9100)]
        result = pl.client_probe("ports", "1.0", *targets)
        for target in targets:
            self.assertNotEqual(result[target]["result"], "open", f"{target} answers from the internet")


class ServerStateTest(unittest.TestCase):
    """The saved server state survives a reload (an operator's MAINT stays), never a start: a MAINT
    saved by an old reload must not come back after a restart or a reboot. Run on the LB that does
    not hold the VIP, so its restarts cost the clients nothing."""

    def setUp(self):
        holder = pl.vip_holder()
        self.lb = next(lb["name"] for lb in pl.hosts("lb") if lb["name"] != holder)
        self.server = sorted(h["name"] for h in pl.hosts("app"))[0]
        self.backend = pl.role_defaults("haproxy")["haproxy_backend_name"]
        self.addCleanup(pl.haproxy_api, self.lb, f"enable server {self.backend}/{self.server}")

    def systemctl(self, verb):
        proc = pl.ssh(self.lb, f"sudo -n systemctl {verb} haproxy.service")
        self.assertEqual(proc.returncode, 0, proc.stderr)

    def test_maint_survives_a_reload_but_not_a_restart(self):
        pl.haproxy_api(self.lb, f"disable server {self.backend}/{self.server}")
        self.systemctl("reload")            # saves the state (MAINT) and loads it into the new workers
        self.assertEqual(pl.wait_until(lambda: pl.server_states(self.lb).get(self.server), 10,
                                       "the reloaded HAProxy's runtime API"), "MAINT")
        pl.haproxy_api(self.lb, f"enable server {self.backend}/{self.server}")
        self.systemctl("restart")           # the state file still says MAINT
        state = pl.wait_until(lambda: pl.server_states(self.lb).get(self.server), 10,
                              "the restarted HAProxy's runtime API")
        print(f"\n  {self.lb}: {self.server} after disable + reload + enable + restart: {state}", flush=True)
        self.assertNotEqual(state, "MAINT", "a stale saved MAINT came back after a restart")


if __name__ == "__main__":
    unittest.main()
