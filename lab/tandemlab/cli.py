"""The `lab` command line. Exit codes: 0 ok, 1 runtime failure, 2 bad input (description, host,
zone, usage), 3 missing prerequisite."""
import argparse
import fcntl
import json
import os
import subprocess
import sys
import threading

from . import clones, config, env, hosts, image, net, prereq, repo
from .paths import lab_dir
from .util import LabError, Timer, is_mount_point, log, run


class UsageError(LabError):
    exit_code = 2


def _lock():
    os.makedirs(lab_dir(), exist_ok=True)
    f = open(os.path.join(lab_dir(), ".lock"), "w")
    fcntl.flock(f, fcntl.LOCK_EX)
    return f


def ensure_ssh_key():
    key = env.ssh_key()
    if not os.path.exists(key):
        os.makedirs(os.path.dirname(key), mode=0o700, exist_ok=True)
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "tandem-lab", "-f", key])
        return 1
    return 0


def _parallel(*fns):
    """Run the slow cache builders side by side; re-raise the first error."""
    results, errors = [None] * len(fns), []

    def wrap(i, fn):
        try:
            results[i] = fn()
        except BaseException as e:  # noqa: BLE001 - re-raised below
            errors.append(e)
    ts = [threading.Thread(target=wrap, args=(i, fn)) for i, fn in enumerate(fns)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errors:
        raise errors[0]
    return results


def cmd_up(lab, args):
    t = Timer()
    prereq.check(lab)
    lk = _lock()
    changes = ensure_ssh_key()
    built = _parallel(lambda: image.ensure_image(lab), lambda: repo.ensure_debs(lab))
    changes += sum(built)
    _, k = repo.ensure_key()
    changes += int(k) + int(repo.ensure_repo(lab))
    log("network: bridges, router, client and host namespaces")
    changes += net.up(lab)
    nns, nprobes = net.verify_isolation(lab)
    log(f"isolation proven: {nns} namespaces, no default route, {nprobes} outside addresses unroutable (ip route get; no traffic sent)")
    changes += int(repo.ensure_server(lab))
    pub = open(env.ssh_key() + ".pub").read()
    for h in lab.hosts.values():
        changes += clones.ensure_clone(lab, h, pub)
    image.prune_images(lab, {image.rootfs(lab)})
    started = [h for h in lab.hosts.values() if hosts.start(lab, h)]
    if started:
        log(f"booting {len(started)} hosts: {', '.join(h.name for h in started)}")
    hosts.wait_ready(list(lab.hosts.values()))
    changes += len(started)
    changes += env.write_known_hosts(lab, clones.host_public_key)
    changes += env.write(lab)
    lk.close()
    print(f"\nlab {lab.name} is up ({len(lab.hosts)} hosts running) in {t}: {changes} changes")
    first = next(iter(lab.hosts.values()))
    print(f"  ssh:        lab/lab ssh {first.name}     (or: ssh -i {env.ssh_key()} {env.ssh_common_args()} "
          f"{lab.ssh_user}@{first.address})")
    print(f"  VIP:        {lab.vip} on {lab.vip_network.name} (held by the load balancers once configured)")
    print(f"  client:     ip netns exec {lab.client_netns} CMD   (stands for the internet)")
    print(f"  repository: {lab.apt_uri}")
    print(f"  env:        {env.env_path()}   (Ansible's inventory: ansible/inventory/tandem.py reads it)")
    return 0


def cmd_down(lab, args):
    t = Timer()
    lk = _lock()
    log("stopping hosts")
    hosts.down(lab)
    repo.stop_server()
    repo.kill_agent()
    net.down()
    netns_mount = net.release_netns_mount()
    left = leftovers(lab)
    lk.close()
    if left:
        raise LabError("down left things behind:\n  " + "\n  ".join(left))
    if os.path.exists(env.env_path()):
        os.remove(env.env_path())
    if netns_mount:
        log(netns_mount)
    print(f"lab {lab.name} is down in {t}: nothing left (containers, netns, links, routes, cgroups, mounts, "
          f"repository server, gpg-agent)")
    return 0


def leftovers(lab):
    left = net.leftovers(lab)
    left += [f"nspawn pid {p}" for p in hosts.stray_nspawn()]
    left += [f"mount {m}" for m in clones.lab_mounts()]
    left += [f"cgroup {d}" for d in hosts.cgroup_dirs() if os.path.exists(d)]
    left += [f"repository server pid {p}" for p in repo.stray_servers()]
    agent = subprocess.run(["pgrep", "-f", f"gpg-agent --homedir {repo.gnupg_home()}"], stdout=subprocess.PIPE,
                           text=True).stdout.split()
    left += [f"gpg-agent pid {p}" for p in agent]
    return left


def host_status(lab, h):
    pid = hosts.nspawn_pid(h)
    st = hosts.system_state(h) if pid else None
    return {"name": h.name, "zone": h.zone, "address": str(h.address), "groups": h.groups,
            "state": "running" if pid else "stopped", "systemd": st, "nspawn_pid": pid,
            "init_pid": hosts.init_pid(h) if pid else None,
            "netns": h.netns in net.netns_list()}


def cmd_status(lab, args):
    rows = [host_status(lab, h) for h in lab.hosts.values()]
    have_router = lab.router_netns in net.netns_list()
    zones = {}
    for z in lab.zones():
        nets = lab.zone_networks(z)
        zones[z] = ("up" if all(net.router_leg_up(lab, n) for n in nets) else "cut") if have_router else "absent"
    data = {"name": lab.name, "up": bool(net.lab_netns()), "router": have_router, "client": lab.client_netns in net.netns_list(),
            "client_netns": lab.client_netns,
            "repository": {"uri": lab.apt_uri, "server_pid": repo.http_pid()}, "zones": zones, "hosts": rows,
            "environment": env.env_path() if os.path.exists(env.env_path()) else None}
    if args.json:
        print(json.dumps(data, indent=2))
        return 0
    print(f"{'HOST':<10} {'ZONE':<5} {'ADDRESS':<12} {'STATE':<8} {'SYSTEMD':<10} {'INIT PID':>8}")
    for r in rows:
        print(f"{r['name']:<10} {r['zone']:<5} {r['address']:<12} {r['state']:<8} {r['systemd'] or '-':<10} "
              f"{r['init_pid'] or '-':>8}")
    print(f"router: {'up' if have_router else 'absent'}; zones: " + ", ".join(f"{z}={s}" for z, s in zones.items()) +
          f"; repository: {'serving ' + lab.apt_uri if repo.http_pid() else 'stopped'}")
    return 0


def ssh_argv(lab, h, cmd):
    return ["ssh", "-i", env.ssh_key(), *env.ssh_common_args().split(), "-o", "BatchMode=yes", "-o", "ConnectTimeout=5",
            "-o", "LogLevel=ERROR", f"{lab.ssh_user}@{h.address}", *cmd]


def cmd_ssh(lab, args):
    h = lab.host(args.host)
    os.execvp("ssh", ssh_argv(lab, h, args.cmd))


def cmd_exec(lab, args):
    h = lab.host(args.host)
    if not args.cmd:
        raise UsageError("exec needs a command")
    argv = hosts.nsenter_cmd(h, args.cmd)
    os.execvp(argv[0], argv)


def cmd_stop(lab, args):
    h = lab.host(args.host)
    lk = _lock()
    t = Timer()
    stopped = hosts.stop(lab, [h])
    lk.close()
    print(f"{h.name}: {'stopped' if stopped else 'was not running'} ({t})")
    return 0


def cmd_start(lab, args):
    h = lab.host(args.host)
    lk = _lock()
    if h.netns not in net.netns_list() or not is_mount_point(clones.root(h)):
        raise LabError(f"{h.name}: the lab is not up (run `lab up`)")
    t = Timer()
    started = hosts.start(lab, h)
    hosts.wait_ready([h])
    lk.close()
    print(f"{h.name}: {'started' if started else 'already running'}, systemd running ({t})")
    return 0


def cmd_kill(lab, args):
    """Power loss of one host or several at once (a whole zone): every link goes down first, then
    each init gets SIGKILL."""
    targets = [lab.host(name) for name in args.hosts]
    lk = _lock()
    hosts.kill(lab, targets)
    lk.close()
    for h in targets:
        print(f"{h.name}: killed (SIGKILL to its init); runtime addresses removed from its namespace")
    return 0


def cmd_link(lab, args):
    """cut: take ZONE's router legs down; heal: bring them up again."""
    nets = lab.zone_networks(args.zone)
    if lab.router_netns not in net.netns_list():
        raise LabError("the lab is not up")
    net.set_router_legs(lab, nets, up=args.verb == "heal")
    done = "connected to the router again" if args.verb == "heal" else "cut off from the router"
    print(f"zone {args.zone}: {done} ({', '.join(n.name for n in nets)})")
    return 0


def cmd_env(lab, args):
    if not os.path.exists(env.env_path()):
        raise LabError(f"{env.env_path()} does not exist: the lab is not up (run `lab up`)")
    print(env.env_path())
    return 0


def cmd_check(lab, args):
    print(f"{lab.path}: valid ({len(lab.hosts)} hosts, {len(lab.networks)} networks)")
    return 0


def parser():
    p = argparse.ArgumentParser(prog="lab", description="The Tandem lab: real hosts in two zones, one command.")
    p.add_argument("--config", help="lab description (default: lab/lab.toml or $TANDEM_LAB_CONFIG)")
    sub = p.add_subparsers(dest="verb", required=True, metavar="VERB")
    sub.add_parser("up", help="bring up what is missing and print how to reach the lab").set_defaults(fn=cmd_up)
    sub.add_parser("down", help="remove everything the lab made, then verify nothing is left").set_defaults(fn=cmd_down)
    s = sub.add_parser("status", help="hosts, zones and the repository (a table, or --json)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(fn=cmd_status)
    for verb, fn, hlp in (("ssh", cmd_ssh, "ssh to HOST as the admin user with the lab key"),
                          ("exec", cmd_exec, "run a command in HOST's namespaces (nsenter; for tests)")):
        s = sub.add_parser(verb, help=hlp)
        s.add_argument("host")
        s.add_argument("cmd", nargs=argparse.REMAINDER)
        s.set_defaults(fn=fn)
    for verb, fn, hlp in (("stop", cmd_stop, "clean poweroff of HOST"), ("start", cmd_start, "boot HOST again")):
        s = sub.add_parser(verb, help=hlp)
        s.add_argument("host")
        s.set_defaults(fn=fn)
    s = sub.add_parser("kill", help="SIGKILL the init of HOST... (power loss; several hosts: at once)")
    s.add_argument("hosts", nargs="+", metavar="HOST")
    s.set_defaults(fn=cmd_kill)
    for verb, hlp in (("cut", "cut ZONE off from the router"), ("heal", "reconnect ZONE")):
        s = sub.add_parser(verb, help=hlp)
        s.add_argument("zone")
        s.set_defaults(fn=cmd_link)
    sub.add_parser("env", help="print the path of environment.json").set_defaults(fn=cmd_env)
    sub.add_parser("check", help="validate the lab description and exit").set_defaults(fn=cmd_check)
    return p


def main(argv=None):
    p = parser()
    args = p.parse_args(argv)
    try:
        lab = config.load(args.config)
        return args.fn(lab, args) or 0
    except LabError as e:
        print(f"lab: error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("lab: interrupted", file=sys.stderr)
        return 130
