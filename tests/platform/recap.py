#!/usr/bin/python3
"""Read an ansible-playbook log and fail unless every host in the PLAY RECAP has changed=0 and failed=0."""
import re
import sys

RECAP = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)")


def parse(text):
    """Return {host: {ok, changed, unreachable, failed}} from the last PLAY RECAP."""
    part = text.rsplit("PLAY RECAP", 1)[-1] if "PLAY RECAP" in text else ""
    hosts = {}
    for line in part.splitlines():
        match = RECAP.match(line.strip())
        if match:
            host, ok, changed, unreachable, failed = match.groups()
            hosts[host] = {"ok": int(ok), "changed": int(changed),
                           "unreachable": int(unreachable), "failed": int(failed)}
    return hosts


def main(path):
    with open(path, encoding="utf-8", errors="replace") as handle:
        hosts = parse(handle.read())
    if not hosts:
        print(f"{path}: no PLAY RECAP found", file=sys.stderr)
        return 1
    bad = {h: r for h, r in hosts.items() if r["changed"] or r["failed"] or r["unreachable"]}
    for host, result in sorted(hosts.items()):
        print(f"  {host:10} ok={result['ok']} changed={result['changed']} failed={result['failed']} unreachable={result['unreachable']}")
    if bad:
        print(f"idempotence: FAILED, {len(bad)} host(s) changed or failed: {', '.join(sorted(bad))}", file=sys.stderr)
        return 1
    print(f"idempotence: ok, changed=0 on all {len(hosts)} hosts")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
