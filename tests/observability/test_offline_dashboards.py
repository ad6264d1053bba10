"""Offline tests of the Grafana provisioning and dashboards (observability/grafana), no Grafana.

The dashboards are parsed and checked for what the provisioning and the lab rely on (uids, the
zone and host variables, data source uids, a query on every panel, unique panel ids, a grid
without overlaps); panel-queries.py must leave no variable in any query; and schema-check/run
must type-check every dashboard against Grafana's published schema (@grafana/schema, installed by
npm ci into $TANDEM_CACHE), and must refuse a dashboard with a wrong field type.
"""
import glob
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import yaml  # Debian's python3-yaml: Ansible's and yamllint's own dependency (/usr/bin/python3)

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
GRAFANA = os.path.join(REPO, "observability", "grafana")
DASHBOARDS = os.path.join(GRAFANA, "dashboards")
PANEL_QUERIES = os.path.join(GRAFANA, "panel-queries.py")
SCHEMA_CHECK = os.path.join(GRAFANA, "schema-check")
RULES = os.path.join(REPO, "observability", "victoriametrics", "rules")

EXPECTED_DASHBOARDS = {"service-red.json", "slo.json", "jvm.json", "haproxy-vrrp.json", "hosts.json"}
DATA_SOURCES = {
    "victoriametrics": ("prometheus", 8428),
    "loki": ("loki", 3100),
    "zipkin": ("zipkin", 9411),
    "alertmanager": ("alertmanager", 9093),
}
VARIABLE_QUERIES = {"zone": "label_values(up, zone)", "host": 'label_values(up{zone=~"$zone"}, host)'}
# Each tsc run of the schema check reads the whole schema: minutes on a loaded machine, not hours.
SCHEMA_CHECK_TIMEOUT = 900


def load(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def all_panels(panels):
    for panel in panels:
        yield panel
        yield from all_panels(panel.get("panels", []))


def panel_queries(*args):
    return subprocess.run(["/usr/bin/python3", PANEL_QUERIES, *args], text=True, capture_output=True, check=False)


class DashboardsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.paths = sorted(glob.glob(os.path.join(DASHBOARDS, "*.json")))
        cls.dashboards = {os.path.basename(p): load(p) for p in cls.paths}
        with open(os.path.join(GRAFANA, "provisioning", "datasources", "tandem.yml"), encoding="utf-8") as handle:
            cls.datasources = yaml.safe_load(handle)["datasources"]
        cls.ds_uids = {ds["uid"] for ds in cls.datasources}

    def test_the_five_dashboards(self):
        self.assertEqual(set(self.dashboards), EXPECTED_DASHBOARDS)

    def test_json_is_canonical(self):
        # 2-space indent, keys sorted (as Grafana exports them): a diff shows only real changes.
        for path in self.paths:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
            canonical = json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
            self.assertEqual(text, canonical, f"{path} is not formatted as json.dumps(indent=2, sort_keys=True)")

    def test_uids_titles_tags_time(self):
        uids = [d.get("uid") for d in self.dashboards.values()]
        self.assertEqual(len(uids), len(set(uids)), f"duplicate dashboard uid: {uids}")
        versions = {d.get("schemaVersion") for d in self.dashboards.values()}
        self.assertEqual(len(versions), 1, f"dashboards disagree on schemaVersion: {versions}")
        for name, dash in self.dashboards.items():
            with self.subTest(dashboard=name):
                self.assertRegex(dash["uid"], r"^[A-Za-z0-9_-]{8,40}$")
                self.assertTrue(dash.get("title"))
                self.assertEqual(dash["tags"], ["tandem"])
                self.assertEqual(dash["time"], {"from": "now-1h", "to": "now"})
                self.assertEqual(dash["refresh"], "30s")
                self.assertIsNone(dash.get("id"), "a provisioned dashboard has no numeric id")

    def test_zone_and_host_variables(self):
        for name, dash in self.dashboards.items():
            variables = {v["name"]: v for v in dash["templating"]["list"]}
            for var_name, query in VARIABLE_QUERIES.items():
                with self.subTest(dashboard=name, variable=var_name):
                    self.assertIn(var_name, variables)
                    var = variables[var_name]
                    self.assertEqual(var["type"], "query")
                    self.assertEqual(var["query"], query)
                    self.assertEqual(var["datasource"]["uid"], "victoriametrics")
                    self.assertTrue(var["multi"])
                    self.assertTrue(var["includeAll"])

    def test_every_panel_queries_a_provisioned_data_source(self):
        for name, dash in self.dashboards.items():
            for panel in all_panels(dash["panels"]):
                if panel["type"] == "row":
                    continue
                with self.subTest(dashboard=name, panel=panel.get("title")):
                    self.assertIn(panel.get("datasource", {}).get("uid"), self.ds_uids)
                    targets = [t for t in panel.get("targets", []) if not t.get("hide")]
                    self.assertTrue(any(t.get("expr", "").strip() for t in targets), "no target with an expr")
                    for target in targets:
                        self.assertTrue(target.get("expr", "").strip(), f"target {target.get('refId')} has no expr")
                        self.assertIn(target.get("datasource", panel["datasource"]).get("uid"), self.ds_uids)
                    ref_ids = [t.get("refId") for t in targets]
                    self.assertEqual(len(ref_ids), len(set(ref_ids)), f"duplicate refId: {ref_ids}")

    def test_panel_ids_unique_and_grid_without_overlaps(self):
        for name, dash in self.dashboards.items():
            with self.subTest(dashboard=name):
                ids = [p.get("id") for p in all_panels(dash["panels"])]
                self.assertNotIn(None, ids)
                self.assertEqual(len(ids), len(set(ids)), f"duplicate panel id: {sorted(ids)}")
                taken = {}
                for panel in all_panels(dash["panels"]):
                    pos = panel["gridPos"]
                    self.assertLessEqual(pos["x"] + pos["w"], 24, f"{panel['title']} is wider than the grid")
                    for x in range(pos["x"], pos["x"] + pos["w"]):
                        for y in range(pos["y"], pos["y"] + pos["h"]):
                            self.assertNotIn((x, y), taken, f"{panel['title']} overlaps {taken.get((x, y))}")
                            taken[(x, y)] = panel["title"]


class ProvisioningTest(unittest.TestCase):
    def test_data_sources(self):
        with open(os.path.join(GRAFANA, "provisioning", "datasources", "tandem.yml"), encoding="utf-8") as handle:
            doc = yaml.safe_load(handle)
        self.assertEqual(doc["apiVersion"], 1)
        by_uid = {ds["uid"]: ds for ds in doc["datasources"]}
        self.assertEqual(set(by_uid), set(DATA_SOURCES))
        for uid, (kind, port) in DATA_SOURCES.items():
            with self.subTest(uid=uid):
                self.assertEqual(by_uid[uid]["type"], kind)
                # Grafana expands ${TANDEM_OBS_HOST}: each obs host's Grafana reads its own stores.
                self.assertEqual(by_uid[uid]["url"], f"http://${{TANDEM_OBS_HOST}}:{port}")
        self.assertEqual([uid for uid, ds in by_uid.items() if ds.get("isDefault")], ["victoriametrics"])
        self.assertEqual(by_uid["alertmanager"]["jsonData"]["implementation"], "prometheus")
        derived = by_uid["loki"]["jsonData"]["derivedFields"]
        trace = [f for f in derived if f["name"] == "trace_id"]
        self.assertEqual(len(trace), 1)
        self.assertEqual(trace[0]["datasourceUid"], "zipkin")
        # `$$` is Grafana's escape for a literal `$` in provisioning files.
        self.assertEqual(trace[0]["url"], "$${__value.raw}")
        match = re.search(trace[0]["matcherRegex"], json.dumps({"message": "access", "trace_id": "4bf92f3577b34da6"}))
        self.assertEqual(match.group(1), "4bf92f3577b34da6")

    def test_dashboard_provider(self):
        with open(os.path.join(GRAFANA, "provisioning", "dashboards", "tandem.yml"), encoding="utf-8") as handle:
            doc = yaml.safe_load(handle)
        (provider,) = doc["providers"]
        self.assertEqual(provider["type"], "file")
        self.assertEqual(provider["folder"], "Tandem")
        self.assertEqual(provider["options"]["path"], "/var/lib/grafana/dashboards/tandem")


class PanelQueriesTest(unittest.TestCase):
    def lines(self, *args):
        proc = panel_queries(*args)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return [json.loads(line) for line in proc.stdout.splitlines()]

    def test_one_line_per_target_and_no_variable_left(self):
        targets = sum(len([t for t in p.get("targets", []) if not t.get("hide")])
                      for path in glob.glob(os.path.join(DASHBOARDS, "*.json"))
                      for p in all_panels(load(path)["panels"]))
        for args in ((), ("--var", "zone=a", "--var", "host=app-a1"), ("--var", "host=app-a1", "--var", "host=app-b2")):
            with self.subTest(args=args):
                queries = self.lines(*args)
                self.assertEqual(len(queries), targets)
                for query in queries:
                    self.assertLessEqual({"dashboard", "panel", "refId", "datasource", "expr"}, set(query))
                    self.assertIn(query["datasource"], DATA_SOURCES)
                    self.assertNotIn("$", query["expr"], query)
                    self.assertTrue(query["expr"].strip())

    def test_substitutions(self):
        queries = self.lines("--var", "zone=a", "--var", "host=app-a1", "--var", "host=app-a2")
        exprs = "\n".join(q["expr"] for q in queries)
        self.assertIn('zone=~"a"', exprs)
        self.assertIn('host=~"(app-a1|app-a2)"', exprs)
        self.assertIn("[1m]", exprs)  # $__rate_interval
        self.assertNotIn('zone=~".*"', exprs)
        defaults = "\n".join(q["expr"] for q in self.lines())
        self.assertIn('zone=~".*"', defaults)
        self.assertIn('host=~".*"', defaults)
        self.assertIn("[30s]", defaults)  # $__interval (Loki's log volume)
        self.assertIn("[1h]", defaults)  # $__range
        self.assertIn("[30d]", defaults)  # the SLO window, a constant of slo.json

    def test_unknown_variable_is_an_error(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "bad.json")
            with open(path, "w", encoding="utf-8") as handle:
                json.dump({"uid": "bad-dashboard", "panels": [
                    {"id": 1, "type": "stat", "title": "t", "datasource": {"uid": "victoriametrics"},
                     "targets": [{"refId": "A", "expr": 'up{job="$nope"}'}]}]}, handle)
            proc = panel_queries(path)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("$nope", proc.stderr)
        self.assertEqual(proc.stdout, "")

    def test_slo_rules_exist(self):
        """The recording rules slo.json reads are the ones vmalert records."""
        records = set()
        for path in glob.glob(os.path.join(RULES, "*.yml")):
            with open(path, encoding="utf-8") as handle:
                for group in (yaml.safe_load(handle) or {}).get("groups", []):
                    records.update(r["record"] for r in group.get("rules", []) if "record" in r)
        if not records:
            self.skipTest(f"no recording rule in {RULES}")
        used = set()
        for query in self.lines(os.path.join(DASHBOARDS, "slo.json")):
            used.update(re.findall(r"\bslo:[A-Za-z0-9_:]+", query["expr"]))
        self.assertTrue(used)
        self.assertEqual(used - records, set(), "slo.json reads rules that vmalert does not record")


class SchemaCheckTest(unittest.TestCase):
    def run_check(self, *dashboards):
        return subprocess.run([os.path.join(SCHEMA_CHECK, "run"), *dashboards], text=True, capture_output=True,
                              check=False, timeout=SCHEMA_CHECK_TIMEOUT)

    def test_pinned_exactly_and_no_registry_address(self):
        package = load(os.path.join(SCHEMA_CHECK, "package.json"))
        lock = load(os.path.join(SCHEMA_CHECK, "package-lock.json"))
        deps = {**package.get("dependencies", {}), **package.get("devDependencies", {})}
        self.assertEqual(set(deps), {"@grafana/schema", "typescript"})
        self.assertEqual(deps["@grafana/schema"], "13.2.3")
        for name, version in deps.items():
            self.assertRegex(version, r"^\d+\.\d+\.\d+$", f"{name} is not pinned exactly")
            self.assertEqual(lock["packages"][f"node_modules/{name}"]["version"], version)
            self.assertTrue(lock["packages"][f"node_modules/{name}"]["integrity"].startswith("sha512-"))
        self.assertEqual(lock["packages"][""]["devDependencies"], package["devDependencies"])
        for name in ("package.json", "package-lock.json"):
            with open(os.path.join(SCHEMA_CHECK, name), encoding="utf-8") as handle:
                self.assertNotIn("://", handle.read(), f"{name} names an address")

    def test_run_is_shellcheck_clean(self):
        if not shutil.which("shellcheck"):
            self.skipTest("shellcheck is not installed")
        proc = subprocess.run(["shellcheck", "-x", os.path.join(SCHEMA_CHECK, "run")], text=True,
                              capture_output=True, check=False)
        self.assertEqual(proc.returncode, 0, proc.stdout)

    def test_every_dashboard_passes_the_schema(self):
        proc = self.run_check()
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn(f"{len(EXPECTED_DASHBOARDS)} dashboards checked", proc.stdout)

    def test_a_wrong_field_type_fails_the_schema(self):
        dashboard = load(os.path.join(DASHBOARDS, "jvm.json"))
        panel = next(p for p in dashboard["panels"] if p["type"] == "timeseries")
        panel["gridPos"]["h"] = str(panel["gridPos"]["h"])  # a number in the schema
        panel["fieldConfig"]["defaults"]["thresholds"]["mode"] = "absolut"  # not a ThresholdsMode
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "broken.json")
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(json.dumps(dashboard, indent=2, sort_keys=True) + "\n")
            proc = self.run_check(path)
        self.assertNotEqual(proc.returncode, 0, "the schema check accepted a wrong field type")
        self.assertIn("broken.json", proc.stderr)
        self.assertIn("Type 'string' is not assignable to type 'number'", proc.stderr)
        self.assertIn('"absolut"', proc.stderr)
        self.assertNotIn("dashboards checked", proc.stdout)


if __name__ == "__main__":
    unittest.main()
