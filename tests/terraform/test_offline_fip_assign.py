"""Contract test of OUR floating-IP mover (terraform/scripts/hcloud-fip-assign), not of the cloud:
a recording HTTP server on 127.0.0.1 stands in for the metadata service and the Hetzner Cloud API,
and the test checks every request the script makes against Hetzner's documented API: the method,
the path (/v1/floating_ips, /v1/floating_ips/{id}/actions/assign), the `Authorization: Bearer`
header (and that the metadata service never sees it), the JSON body {"server": <integer id>}.
Nothing here talks to Hetzner; whether the real API still behaves as documented is only known
once a real environment fails over (docs/terraform.md)."""
import http.server
import json
import os
import subprocess
import tempfile
import threading
import unittest

import tfkit

SCRIPT = os.path.join(tfkit.TERRAFORM, "scripts", "hcloud-fip-assign")
TOKEN = "t0ken-of-the-lb-project"
SERVER_ID = 4711
VIP = "198.51.100.7"


class Recorder(http.server.BaseHTTPRequestHandler):
    """Answers like the metadata service and the API; records every request."""

    def log_message(self, *args):  # keep the test output clean
        pass

    def reply(self, status, body):
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json" if not isinstance(body, str) else "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def record(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else None
        self.server.requests.append({"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body})

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.record()
        if self.path == "/hetzner/v1/metadata/instance-id":
            self.reply(200, str(SERVER_ID))
        elif self.path.startswith("/v1/floating_ips?"):
            page = 2 if "page=2" in self.path else 1
            self.reply(200, self.server.pages[page - 1])
        else:
            self.reply(404, {"error": {"code": "not_found", "message": "no such path"}})

    def do_POST(self):  # noqa: N802
        self.record()
        self.reply(*self.server.assign_reply)


def fip(fip_id, ip, server):
    return {"id": fip_id, "ip": ip, "type": "ipv4", "server": server, "home_location": {"name": "fsn1"}}


def page(fips, next_page):
    return {"floating_ips": fips, "meta": {"pagination": {"page": 1, "per_page": 50, "next_page": next_page}}}


class FloatingIpMover(unittest.TestCase):
    def setUp(self):
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
        self.server.requests = []
        # The VIP is on page 2, assigned to the other LB.
        self.server.pages = [page([fip(1, "203.0.113.99", None)], 2), page([fip(42, VIP, 4712)], None)]
        self.server.assign_reply = (201, {"action": {"id": 13, "command": "assign_floating_ip", "status": "running"}})
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.tmp = tempfile.mkdtemp(prefix="fip-")
        self.token_file = os.path.join(self.tmp, "hcloud-token")
        with open(os.open(self.token_file, os.O_WRONLY | os.O_CREAT, 0o400), "w", encoding="utf-8") as handle:
            handle.write(TOKEN + "\n")

    def tearDown(self):
        self.server.shutdown()
        self.server.server_close()
        os.chmod(self.token_file, 0o600)
        os.unlink(self.token_file)
        os.rmdir(self.tmp)

    def mover(self, *extra, api=None):
        argv = [SCRIPT, "--vip", VIP, "--token-file", self.token_file, "--api", api or f"{self.base}/v1",
                "--metadata", f"{self.base}/hetzner/v1/metadata", "--timeout", "5", *extra]
        return subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)

    def api_requests(self):
        return [r for r in self.server.requests if r["path"].startswith("/v1/")]

    def test_assign_request_matches_the_documented_api(self):
        proc = self.mover()
        self.assertEqual(proc.returncode, 0, proc.stderr)
        post = [r for r in self.server.requests if r["method"] == "POST"]
        self.assertEqual(len(post), 1)
        self.assertEqual(post[0]["path"], "/v1/floating_ips/42/actions/assign")
        self.assertEqual(post[0]["headers"].get("Authorization"), f"Bearer {TOKEN}")
        self.assertEqual(post[0]["headers"].get("Content-Type"), "application/json")
        self.assertEqual(json.loads(post[0]["body"]), {"server": SERVER_ID})
        self.assertIsInstance(json.loads(post[0]["body"])["server"], int)
        self.assertIn("assigned to server 4711", proc.stdout)

    def test_lookup_requests(self):
        self.mover()
        first = self.server.requests[0]
        self.assertEqual((first["method"], first["path"]), ("GET", "/hetzner/v1/metadata/instance-id"))
        self.assertNotIn("Authorization", first["headers"], "the token must never go to the metadata service")
        gets = [(r["method"], r["path"]) for r in self.api_requests() if r["method"] == "GET"]
        self.assertEqual(gets, [("GET", "/v1/floating_ips?page=1&per_page=50"), ("GET", "/v1/floating_ips?page=2&per_page=50")])
        self.assertTrue(all(r["headers"].get("Authorization") == f"Bearer {TOKEN}" for r in self.api_requests()))

    def test_already_here_changes_nothing(self):
        self.server.pages = [page([fip(42, VIP, SERVER_ID)], None)]
        proc = self.mover()
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual([r for r in self.server.requests if r["method"] == "POST"], [])
        self.assertIn("already on server", proc.stdout)

    def test_api_error_fails_naming_it(self):
        self.server.assign_reply = (422, {"error": {"code": "floating_ip_assigned", "message": "already assigned"}})
        proc = self.mover()
        self.assertEqual(proc.returncode, 1)
        self.assertIn("HTTP 422: floating_ip_assigned", proc.stderr)

    def test_unknown_vip_fails(self):
        self.server.pages = [page([fip(1, "203.0.113.99", None)], None)]
        proc = self.mover()
        self.assertEqual(proc.returncode, 1)
        self.assertIn(f"no floating IP with address {VIP}", proc.stderr)

    def test_token_readable_by_others_refused(self):
        os.chmod(self.token_file, 0o440)
        proc = self.mover()
        self.assertEqual(proc.returncode, 1)
        self.assertIn("readable by others", proc.stderr)
        self.assertEqual(self.server.requests, [], "nothing may be sent with a badly kept token")

    def test_plain_http_to_a_remote_api_refused(self):
        proc = self.mover(api="http://192.0.2.1/v1")
        self.assertEqual(proc.returncode, 1)
        self.assertIn("https only", proc.stderr)
        self.assertEqual(self.server.requests, [])


if __name__ == "__main__":
    unittest.main()
