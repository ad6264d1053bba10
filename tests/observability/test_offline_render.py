"""Offline test of tools/render-panels: the key dashboard panels drawn from a real VictoriaMetrics.

Starts the project's VictoriaMetrics ($TANDEM_TOOLS_DIR/bin/victoria-metrics, built by
`make go-tools`) on 127.0.0.1 with its storage in a temporary directory, imports 30 minutes of
synthetic series that follow the label contract (job, instance, host, zone, role), renders the
default panels and checks that each is a PNG of some size; a panel without data must fail (exit 1)
naming the panel. Needs rsvg-convert (Debian package librsvg2-bin). A missing tool fails, never
skips. Python 3.11 standard library only (run with /usr/bin/python3).
"""
import math
import os
import pathlib
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "lab"))
from tandemlab.util import LabError, wait_for  # noqa: E402  pylint: disable=wrong-import-position
RENDER = REPO / "tools" / "render-panels"
READY_TIMEOUT_S = 30
RENDER_TIMEOUT_S = 300
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MIN_PNG_BYTES = 8000
SPAN_S, SCRAPE_S = 1800, 15
APPS = (("app-a1", "a", "10.10.1.11"), ("app-a2", "a", "10.10.1.12"),
        ("app-b1", "b", "10.10.2.11"), ("app-b2", "b", "10.10.2.12"))
LBS = (("lb-a", "a", "10.10.1.2"), ("lb-b", "b", "10.10.2.2"))
ROUTES = ("/api/v1/hello", "/api/v1/echo")
CODE_CLASSES = ("2xx", "3xx", "4xx", "5xx")
# Share of requests at or under each bucket's upper bound (seconds).
BUCKETS = (("0.005", 0.2), ("0.01", 0.45), ("0.025", 0.75), ("0.05", 0.9), ("0.1", 0.96),
           ("0.25", 0.99), ("0.5", 0.997), ("1", 0.999), ("+Inf", 1.0))
BURN_WINDOWS_S = {"5m": 300, "30m": 1800, "1h": 3600, "2h": 7200, "6h": 21600, "1d": 86400, "3d": 259200}
# Series count of each default panel with the data below (file name -> series).
EXPECTED = {
    "tandem-service-red--request-rate-by-route-and-zone.png": 4,  # 2 routes x 2 zones
    "tandem-service-red--latency-p50-p99-by-route.png": 4,  # p50 and p99 x 2 routes
    "tandem-haproxy-vrrp--frontend-request-rate-by-code-class.png": 8,  # 2 LBs x 4 classes
    "tandem-haproxy-vrrp--frontend-requests-per-second-by-lb.png": 2,
    "tandem-slo--availability-burn-rates.png": 7,
    "tandem-slo--latency-burn-rates.png": 7,
}


def victoria_metrics():
    """Path of the project's VictoriaMetrics; missing is a failure that says what to do."""
    tools_dir = os.environ.get("TANDEM_TOOLS_DIR")
    if not tools_dir:
        raise AssertionError("TANDEM_TOOLS_DIR is not set: point it at the directory whose bin/ "
                             "holds victoria-metrics (make go-tools builds it)")
    path = pathlib.Path(tools_dir) / "bin" / "victoria-metrics"
    if not os.access(path, os.X_OK):
        raise AssertionError(f"{path} is missing or not executable (TANDEM_TOOLS_DIR={tools_dir}; "
                             "make go-tools builds it)")
    return path


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http(url, data=None):
    with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=10) as response:
        return response.status, response.read()


# --- synthetic data: one scrape every 15 s over the last 30 minutes --------------------------

def labels(**pairs):
    return ",".join(f'{k}="{v}"' for k, v in pairs.items())


def burst(t, start):
    """1 during an incident from 40 % to 55 % of the range, else 0."""
    return 1.0 if start + 0.40 * SPAN_S <= t < start + 0.55 * SPAN_S else 0.0


def counter(name, tags, rate, stamps):
    """Lines of a counter growing at rate(t) per second."""
    total, lines = 0.0, []
    for t in stamps:
        total += rate(t) * SCRAPE_S
        lines.append(f"{name}{{{tags}}} {total:.3f} {t * 1000}")
    return lines


def gauge(name, value, stamps):
    return [f"{name} {value(t):.6g} {t * 1000}" for t in stamps]


def service_series(stamps, start):
    lines = []
    for number, (host, zone, address) in enumerate(APPS):
        for index, route in enumerate(ROUTES):
            base = dict(job="service", instance=f"{address}:9090", host=host, zone=zone, role="app",
                        route=route, method="GET")

            def rate(t, share=1.0, mean=12 + 8 * index + 3 * number, phase=2 * index + number):
                return share * mean * (1 + 0.3 * math.sin(t / 240 + phase))
            lines += counter("vertx_http_server_requests_total", labels(**base, code="200"),
                             lambda t, r=rate: r(t, 0.99 - 0.1 * burst(t, start)), stamps)
            lines += counter("vertx_http_server_requests_total", labels(**base, code="500"),
                             lambda t, r=rate: r(t, 0.01 + 0.1 * burst(t, start)), stamps)
            for le, share in BUCKETS:  # echo is faster than hello; the incident slows both
                lines += counter("vertx_http_server_response_time_seconds_bucket",
                                 labels(**base, code="200", le=le),
                                 lambda t, r=rate, s=share ** (1 - 0.5 * index): r(t, s ** (1 + 3 * burst(t, start))),
                                 stamps)
    return lines


def haproxy_series(stamps, start):
    lines = []
    for number, (host, zone, address) in enumerate(LBS):
        base = dict(job="haproxy", instance=f"{address}:8405", host=host, zone=zone, role="lb", proxy="fe_tandem")

        def rate(t, number=number):  # lb-a holds the VIP for the first 60 %, then lb-b
            holds = (t < start + 0.6 * SPAN_S) == (number == 0)
            return 180 * (1 + 0.2 * math.sin(t / 300)) if holds else 0.0
        lines += counter("haproxy_frontend_http_requests_total", labels(**base), rate, stamps)
        shares = {"2xx": 0.93, "3xx": 0.02, "4xx": 0.045, "5xx": 0.005}
        for code in CODE_CLASSES:
            extra = 0.1 if code == "5xx" else 0.0
            lines += counter("haproxy_frontend_http_responses_total", labels(**base, code=code),
                             lambda t, r=rate, s=shares[code], e=extra: r(t) * (s + e * burst(t, start)), stamps)
    return lines


def burn_ratio(t, start, window_s, base, peak):
    """Error ratio over [t - window, t] with the incident's errors spread over the window."""
    low, high = max(t - window_s, start + 0.40 * SPAN_S), min(t, start + 0.55 * SPAN_S)
    return base + peak * max(0.0, high - low) / window_s


def slo_series(stamps, start):
    lines = []
    for window, seconds in BURN_WINDOWS_S.items():
        lines += gauge(f"slo:api_availability_errors:ratio_rate{window}",
                       lambda t, w=seconds: burn_ratio(t, start, w, 0.0003, 0.02), stamps)
        lines += gauge(f"slo:api_latency_slow:ratio_rate{window}",
                       lambda t, w=seconds: burn_ratio(t, start, w, 0.004, 0.08), stamps)
    return lines


def synthetic_data(end):
    start = end - SPAN_S
    stamps = list(range(start, end + 1, SCRAPE_S))
    lines = service_series(stamps, start) + haproxy_series(stamps, start) + slo_series(stamps, start)
    return "\n".join(lines).encode() + b"\n"


# --- the test --------------------------------------------------------------------------------

class RenderPanelsTest(unittest.TestCase):
    """Each test has its own VictoriaMetrics (started in setUp: a missing tool is a failure)."""

    def setUp(self):
        binary = victoria_metrics()
        if not shutil.which("rsvg-convert"):
            raise AssertionError("rsvg-convert is missing: install the Debian package librsvg2-bin")
        self.tmp = tempfile.mkdtemp(prefix="tandem-render-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.url = self.start_victoria_metrics(binary)
        self.end = int(time.time())
        status, _ = http(f"{self.url}/api/v1/import/prometheus", synthetic_data(self.end))
        self.assertEqual(status, 204, "import into victoria-metrics")
        http(f"{self.url}/internal/force_flush")

    def start_victoria_metrics(self, binary):
        port = free_port()
        log = open(os.path.join(self.tmp, "victoria-metrics.log"), "wb")
        self.addCleanup(log.close)
        proc = subprocess.Popen([str(binary), f"-storageDataPath={self.tmp}/data",
                                 f"-httpListenAddr=127.0.0.1:{port}", "-search.disableCache"],
                                stdout=log, stderr=subprocess.STDOUT)
        self.addCleanup(self.stop, proc)
        url = f"http://127.0.0.1:{port}"
        self.wait_ready(proc, url)
        return url

    @staticmethod
    def stop(proc):
        """Stop the VictoriaMetrics this test started (its pid only) and reap it."""
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def wait_ready(self, proc, url):
        def ready():
            if proc.poll() is not None:
                self.fail(f"victoria-metrics exited with {proc.returncode}: {self.log_tail()}")
            try:
                return http(f"{url}/health")[0] == 200
            except (urllib.error.URLError, OSError):
                return False
        try:
            wait_for(ready, READY_TIMEOUT_S, f"victoria-metrics ready at {url}", interval=0.1)
        except LabError as exc:
            self.fail(f"{exc}: {self.log_tail()}")

    def log_tail(self):
        with open(os.path.join(self.tmp, "victoria-metrics.log"), encoding="utf-8", errors="replace") as handle:
            return handle.read()[-2000:]

    def render(self, out, *panels):
        args = [str(RENDER), "--obs-url", self.url, "--start", str(self.end - SPAN_S),
                "--end", str(self.end), "--out", out]
        for panel in panels:
            args += ["--panel", panel]
        return subprocess.run(args, text=True, capture_output=True, check=False, timeout=RENDER_TIMEOUT_S)

    def test_default_panels(self):
        out = os.path.join(self.tmp, "default")
        proc = self.render(out)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        printed = dict(line.split(": ", 1) for line in proc.stdout.splitlines())
        self.assertEqual(sorted(os.listdir(out)), sorted(EXPECTED))
        for name, series in EXPECTED.items():
            with self.subTest(png=name):
                path = os.path.join(out, name)
                with open(path, "rb") as handle:
                    self.assertEqual(handle.read(8), PNG_SIGNATURE)
                self.assertGreater(os.path.getsize(path), MIN_PNG_BYTES)
                self.assertRegex(printed[path], rf"^{series} series, \d+ points$")
                points = int(printed[path].split()[2])
                self.assertGreaterEqual(points, series * 250, "about 300 points per series")

    def test_empty_panel_fails_naming_it(self):
        out = os.path.join(self.tmp, "empty")
        proc = self.render(out, "tandem-jvm:Live threads by host")
        self.assertEqual(proc.returncode, 1, proc.stdout + proc.stderr)
        self.assertIn("Live threads by host", proc.stderr)
        self.assertIn("jvm_threads_live_threads", proc.stderr)
        self.assertEqual(os.listdir(out) if os.path.isdir(out) else [], [])

    def test_only_timeseries_panels(self):
        proc = self.render(os.path.join(self.tmp, "stat"), "tandem-haproxy-vrrp:VRRP master per LB")
        self.assertEqual(proc.returncode, 2, proc.stdout + proc.stderr)
        self.assertIn("state-timeline", proc.stderr)


if __name__ == "__main__":
    unittest.main()
