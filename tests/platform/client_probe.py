#!/usr/bin/python3
"""Runs inside the lab's client namespace (the internet). Prints one JSON document.

  client_probe.py hello VIP CA N        N HTTPS GETs of /api/v1/hello (new connection each)
  client_probe.py redirect VIP          plain HTTP GET: status and Location
  client_probe.py badecho VIP CA        POST invalid JSON to /api/v1/echo over HTTPS
  client_probe.py ports TIMEOUT ADDR:PORT...   TCP connect to each; open / refused / timeout
"""
import collections
import http.client
import json
import socket
import ssl
import sys
import time
from concurrent.futures import ThreadPoolExecutor


def tls_context(ca):
    ctx = ssl.create_default_context(cafile=ca)
    ctx.check_hostname = False  # the certificate names the VIP address; we connect by address
    return ctx


def hello(vip, ca, count):
    ctx = tls_context(ca)
    hosts, zones, statuses, versions = collections.Counter(), collections.Counter(), collections.Counter(), set()
    headers, tls = {}, {}
    latencies = []
    for _ in range(int(count)):
        start = time.monotonic()
        conn = http.client.HTTPSConnection(vip, 443, context=ctx, timeout=5)
        conn.request("GET", "/api/v1/hello?name=probe")
        resp = conn.getresponse()
        body = resp.read()
        latencies.append((time.monotonic() - start) * 1000)
        statuses[resp.status] += 1
        if not headers:
            headers = {k.lower(): v for k, v in resp.getheaders()}
            tls = {"version": conn.sock.version(), "cipher": conn.sock.cipher()[0]}
        conn.close()
        if resp.status == 200:
            doc = json.loads(body)
            hosts[doc["host"]] += 1
            zones[doc["zone"]] += 1
            versions.add(doc["version"])
    latencies.sort()
    return {"statuses": dict(statuses), "hosts": dict(hosts), "zones": dict(zones), "versions": sorted(versions),
            "headers": headers, "tls": tls,
            "latency_ms": {"p50": round(latencies[len(latencies) // 2], 2),
                           "p95": round(latencies[int(len(latencies) * 0.95) - 1], 2),
                           "max": round(latencies[-1], 2)}}


def redirect(vip):
    conn = http.client.HTTPConnection(vip, 80, timeout=5)
    conn.request("GET", "/api/v1/hello?name=x")
    resp = conn.getresponse()
    resp.read()
    return {"status": resp.status, "location": resp.getheader("Location")}


def badecho(vip, ca):
    conn = http.client.HTTPSConnection(vip, 443, context=tls_context(ca), timeout=5)
    conn.request("POST", "/api/v1/echo", body=b"{not json", headers={"Content-Type": "application/json"})
    resp = conn.getresponse()
    body = resp.read().decode("utf-8", "replace")
    return {"status": resp.status, "content_type": resp.getheader("Content-Type"), "body": body[:500]}


def probe(target, timeout):
    addr, port = target.rsplit(":", 1)
    start = time.monotonic()
    try:
        with socket.create_connection((addr, int(port)), timeout=timeout):
            result = "open"
    except socket.timeout:
        result = "timeout"
    except ConnectionRefusedError:
        result = "refused"
    except OSError as exc:
        result = f"error:{exc.errno}"
    return target, {"result": result, "ms": round((time.monotonic() - start) * 1000)}


def ports(timeout, *targets):
    with ThreadPoolExecutor(max_workers=32) as pool:
        return dict(pool.map(lambda t: probe(t, float(timeout)), targets))


def main(argv):
    command, args = argv[0], argv[1:]
    result = {"hello": hello, "redirect": redirect, "badecho": badecho, "ports": ports}[command](*args)
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
