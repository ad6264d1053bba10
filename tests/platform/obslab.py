"""Helpers for the observability tests: VictoriaMetrics and Loki queries, the Alertmanager API and
the on-call mailboxes on the obs hosts. Stdlib only; every wait has a deadline (platformlab)."""
import email
import email.policy
import json
import time
import urllib.error
import urllib.parse
import urllib.request

import platformlab as pl

MAILBOX = "/var/mail/oncall"


def obs_hosts():
    return sorted(h["name"] for h in pl.hosts("obs"))


def port(name):
    return pl.ports()[name]


def http_json(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as response:  # the lab's own hosts only
        return json.load(response)


def vm_query(obs, expr):
    """Instant query on one obs host's VictoriaMetrics: [(labels, float value), ...]."""
    url = (f"http://{pl.host(obs)['address']}:{port('victoriametrics')}/api/v1/query?"
           + urllib.parse.urlencode({"query": expr}))
    data = http_json(url)
    if data.get("status") != "success":
        raise AssertionError(f"{obs}: query {expr!r} failed: {data}")
    return [(r["metric"], float(r["value"][1])) for r in data["data"]["result"]]


def loki_query(obs, logql, since_s=600, limit=100):
    """Log lines of the last since_s seconds on one obs host's Loki: [(stream labels, line), ...]
    (for a metric query: [(series labels, value), ...])."""
    now_ns = time.time_ns()
    url = (f"http://{pl.host(obs)['address']}:{port('loki')}/loki/api/v1/query_range?"
           + urllib.parse.urlencode({"query": logql, "start": now_ns - since_s * 10**9, "end": now_ns,
                                     "limit": limit, "direction": "backward"}))
    data = http_json(url)
    return [(s.get("stream", s.get("metric")), line) for s in data["data"]["result"] for _, line in s["values"]]


def loki_metric(obs, logql):
    """Instant metric query (LogQL) on one obs host's Loki: [(labels, float value), ...]."""
    url = (f"http://{pl.host(obs)['address']}:{port('loki')}/loki/api/v1/query?"
           + urllib.parse.urlencode({"query": logql}))
    return [(r["metric"], float(r["value"][1])) for r in http_json(url)["data"]["result"]]


def alertmanager(obs, path):
    return http_json(f"http://{pl.host(obs)['address']}:{port('alertmanager')}/api/v2/{path}")


def mails(obs):
    """Every message in the on-call mailbox of one obs host (mbox), parsed; [] if there is none."""
    proc = pl.ssh(obs, f"sudo -n cat {MAILBOX} 2>/dev/null || true")
    if proc.returncode != 0:
        raise AssertionError(f"{obs}: reading {MAILBOX} failed: {proc.stderr}")
    chunks = [c for c in ("\n" + proc.stdout).split("\nFrom ") if c.strip()]
    return [email.message_from_string(c.split("\n", 1)[1], policy=email.policy.default) for c in chunks]


def mails_everywhere():
    """{obs host: [message, ...]} for every obs host that answers (a powered-off one is skipped)."""
    found = {}
    for obs in obs_hosts():
        try:
            found[obs] = mails(obs)
        except (AssertionError, OSError):
            continue
    return found


def matching(messages, *words):
    return [m for m in messages if all(w in m["Subject"] for w in words)]


def request_through_vip(name):
    """One hello from the client namespace through the VIP; its X-Request-Id."""
    vip = pl.environment()["vip"]["address"]
    proc = pl.client_run("curl", "-sS", "-o", "/dev/null", "-D", "-", "--cacert", pl.ca_file(),
                         f"https://{vip}/api/v1/hello?name={name}")
    if proc.returncode != 0:
        raise AssertionError(f"hello through the VIP failed: {proc.stderr}")
    return next(line.split(":", 1)[1].strip() for line in proc.stdout.splitlines()
                if line.lower().startswith("x-request-id:"))


def zipkin_trace(obs, trace_id):
    """The spans of one trace on one obs host's Zipkin; None while it is not there (404)."""
    url = f"http://{pl.host(obs)['address']}:{port('zipkin')}/api/v2/trace/{trace_id}"
    try:
        return http_json(url)
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise


def zipkin_of(app):
    """The obs host whose Zipkin gets the spans of an app host: its zone's, else the first
    (service_otel_zipkin_host)."""
    zone = pl.host(app)["zone"]
    return next((o for o in obs_hosts() if pl.host(o)["zone"] == zone), obs_hosts()[0])
