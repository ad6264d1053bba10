#!/usr/bin/python3
"""Runs inside the lab's client namespace (the internet). Prints one JSON document.

  client_probe.py hello VIP CA N        N HTTPS GETs of /api/v1/hello (new connection each)
  client_probe.py redirect VIP          plain HTTP GET: status and Location
  client_probe.py badecho VIP CA        POST invalid JSON to /api/v1/echo over HTTPS
  client_probe.py once VIP CA            one HTTPS GET of /api/v1/hello: status, type, body, headers
  client_probe.py forged VIP CA ADDRESS  one HTTPS GET claiming X-Forwarded-For/Forwarded: ADDRESS
  client_probe.py conns VIP N            hold N TCP connections to VIP:443, then open one more: which stay open
  client_probe.py slowbody VIP CA N      N HTTPS POSTs whose body never completes; prints "sent", holds them
                                        until a line arrives on stdin
  client_probe.py ports TIMEOUT ADDR:PORT...   TCP connect to each; open / refused / timeout
  client_probe.py watch VIP CA SECONDS UNTIL    new HTTPS GET every 20 ms; stop once UNTIL (an LB name)
                                        has answered for 1 s; prints each sample as it comes: [t, served-by or error]
  client_probe.py load VIP CA STOPFILE MIN THREADS RATE [MIX]
                                        steady load: THREADS keep-alive HTTPS clients, RATE requests per second
                                        in all, GET hello and POST echo in turn (MIX=mixed, the default) or
                                        GETs only (MIX=get) (5 s timeout); prints "started", then runs until STOPFILE exists and
                                        MIN requests were made; summary: totals, failures, latency, versions over time
"""
import collections
import http.client
import json
import os
import select
import socket
import ssl
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor


def tls_context(ca):
    """Verify the chain against the lab CA and the name: the certificate carries the VIP as an IP
    subject alternative name, and we connect by that address."""
    return ssl.create_default_context(cafile=ca)


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
    return {"status": resp.status, "location": resp.getheader("Location"),
            "headers": {k.lower(): v for k, v in resp.getheaders()}}


def forged(vip, ca, address):
    """A client that claims to forward for someone else: the LB must not pass that on."""
    conn = http.client.HTTPSConnection(vip, 443, context=tls_context(ca), timeout=5)
    conn.request("GET", "/api/v1/hello?name=forged", headers={"X-Forwarded-For": address,
                                                               "Forwarded": f"for={address}"})
    resp = conn.getresponse()
    body = resp.read().decode("utf-8", "replace")
    return {"status": resp.status, "request_id": resp.getheader("X-Request-Id"), "body": body[:300]}


def is_open(sock):
    """True while the peer has not closed the connection (nothing to read, no EOF)."""
    sock.setblocking(False)     # a socket with a timeout would wait for data first
    try:
        return sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False


def conns(vip, n):
    """Hold N connections, then one more; the LB closes what it refuses right after accepting it."""
    held = [socket.create_connection((vip, 443), timeout=5) for _ in range(int(n))]
    extra = socket.create_connection((vip, 443), timeout=5)
    select.select([extra], [], [], 2)   # a close by the LB makes it readable (EOF); 2 s if it stays open
    result = {"held_open": sum(map(is_open, held)), "held": len(held), "extra_open": is_open(extra)}
    for sock in held + [extra]:
        sock.close()
    return result


def slowbody(vip, ca, n):
    """POSTs announcing 1000 body bytes and sending 10: a slow client holding its requests open."""
    ctx, socks = tls_context(ca), []
    for _ in range(int(n)):
        sock = ctx.wrap_socket(socket.create_connection((vip, 443), timeout=5), server_hostname=vip)
        sock.sendall(b"POST /api/v1/echo HTTP/1.1\r\nHost: tandem\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 1000\r\n\r\n{\"message\":")
        socks.append(sock)
    print("sent", flush=True)
    sys.stdin.readline()
    for sock in socks:
        sock.close()


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


def watch(vip, ca, seconds, until):
    ctx = tls_context(ca)
    samples, start, seen_until = [], time.monotonic(), None
    while time.monotonic() - start < float(seconds):
        t = time.monotonic() - start
        try:
            conn = http.client.HTTPSConnection(vip, 443, context=ctx, timeout=0.5)
            conn.request("GET", "/api/v1/hello?name=watch")
            resp = conn.getresponse()
            resp.read()
            conn.close()
            who = resp.getheader("X-Served-By") if resp.status == 200 else f"status:{resp.status}"
        except (OSError, http.client.HTTPException) as exc:
            who = f"error:{type(exc).__name__}"
        samples.append((round(t, 3), who))
        print(json.dumps([round(t, 3), who]), flush=True)
        if who == until:
            seen_until = seen_until if seen_until is not None else t
            if t - seen_until >= 1.0:
                break
        else:
            seen_until = None
        time.sleep(max(0.0, 0.02 - (time.monotonic() - start - t)))  # pacing: one sample per 20 ms, not a wait
    return None


LOAD_ECHO = json.dumps({"message": "load"}).encode()


def load_worker(vip, ctx, interval, stop, record, mix):
    """One keep-alive client until stop(): a request every `interval` seconds, GET /api/v1/hello and
    POST /api/v1/echo in turn (HAProxy may retry a GET elsewhere, never a POST it has sent), each
    answer recorded with how long it took."""
    conn, next_at, post = None, time.monotonic(), False
    while not stop():
        post = mix == "mixed" and not post
        started = time.monotonic()
        try:
            conn = conn or http.client.HTTPSConnection(vip, 443, context=ctx, timeout=5)
            if post:
                conn.request("POST", "/api/v1/echo", body=LOAD_ECHO, headers={"Content-Type": "application/json"})
            else:
                conn.request("GET", "/api/v1/hello?name=load")
            resp = conn.getresponse()
            body = resp.read()
            version = json.loads(body)["version"] if resp.status == 200 else None
            record(time.time(), resp.status, version, None, time.monotonic() - started)
            if resp.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException, ValueError) as exc:
            record(time.time(), None, None, f"{type(exc).__name__}: {exc}", time.monotonic() - started)
            if conn:
                conn.close()
            conn = None
        next_at += interval
        time.sleep(max(0.0, next_at - time.monotonic()))  # pacing: the load rate, not a wait


def load(vip, ca, stopfile, minimum, threads, rate, mix="mixed"):
    ctx, lock, samples = tls_context(ca), threading.Lock(), []

    def record(*sample):
        with lock:
            samples.append(sample)

    def stop():
        return os.path.exists(stopfile) and len(samples) >= int(minimum)

    workers = [threading.Thread(target=load_worker, args=(vip, ctx, int(threads) / float(rate), stop, record, mix))
               for _ in range(int(threads))]
    print(json.dumps({"started": time.time()}), flush=True)
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    failures = [s for s in samples if s[1] != 200]
    versions = {}
    for t, _, version, _, _ in samples:
        if version:
            v = versions.setdefault(version, {"count": 0, "first": t, "last": t})
            v["count"] += 1
            v["first"], v["last"] = min(v["first"], t), max(v["last"], t)
    ok_times = sorted(s[0] for s in samples if s[1] == 200)
    gap = max((b - a for a, b in zip(ok_times, ok_times[1:])), default=0.0)
    durations = sorted(s[4] for s in samples)
    return {"total": len(samples), "failed": len(failures), "failures": [list(f) for f in failures[:20]],
            "longest_gap_s": round(gap, 3),
            "latency_s": {"p50": round(durations[len(durations) // 2], 4),
                          "p99": round(durations[int(len(durations) * 0.99) - 1], 4), "max": round(durations[-1], 4)},
            "versions": versions, "first": min(s[0] for s in samples), "last": max(s[0] for s in samples)}


def once(vip, ca):
    """One HTTPS GET: status, content type and the start of the body."""
    conn = http.client.HTTPSConnection(vip, 443, context=tls_context(ca), timeout=5)
    conn.request("GET", "/api/v1/hello?name=once")
    resp = conn.getresponse()
    body = resp.read().decode("utf-8", "replace")
    return {"status": resp.status, "content_type": resp.getheader("Content-Type"),
            "retry_after": resp.getheader("Retry-After"), "body": body[:300],
            "headers": {k.lower(): v for k, v in resp.getheaders()}}


def main(argv):
    command, args = argv[0], argv[1:]
    result = {"hello": hello, "redirect": redirect, "badecho": badecho, "ports": ports, "watch": watch, "once": once,
              "load": load, "forged": forged, "conns": conns, "slowbody": slowbody}[command](*args)
    if result is not None:
        json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
