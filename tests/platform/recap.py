#!/usr/bin/python3
"""Read an ansible-playbook log and judge its PLAY RECAP.

  recap.py LOG            idempotence: every host changed=0, failed=0, unreachable=0
  recap.py --dry-run LOG  a --check run on bare hosts: no host failed or unreachable, and every
                          managed host reports changes (the dry run saw what a real run would do)
"""
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


def main(args):
    dry_run = args[:1] == ["--dry-run"]
    path = args[-1]
    with open(path, encoding="utf-8", errors="replace") as handle:
        hosts = parse(handle.read())
    if not hosts:
        print(f"{path}: no PLAY RECAP found", file=sys.stderr)
        return 1
    for host, result in sorted(hosts.items()):
        print(f"  {host:10} ok={result['ok']} changed={result['changed']} failed={result['failed']} unreachable={result['unreachable']}")
    what = "dry run" if dry_run else "idempotence"
    broken = sorted(h for h, r in hosts.items() if r["failed"] or r["unreachable"])
    if dry_run:
        # localhost only builds the lab PKI on the controller, which a dry run may find in place
        wrong = sorted(h for h, r in hosts.items() if h != "localhost" and not r["changed"])
        verdict = "predicted no change"
    else:
        wrong = sorted(h for h, r in hosts.items() if r["changed"])
        verdict = "changed"
    if broken or wrong:
        print(f"{what}: FAILED, failed or unreachable: {', '.join(broken) or 'none'}; "
              f"{verdict}: {', '.join(wrong) or 'none'}", file=sys.stderr)
        return 1
    print(f"{what}: ok on all {len(hosts)} hosts" + ("" if dry_run else ", changed=0"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
