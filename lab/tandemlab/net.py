"""The lab topology: root-netns bridges without addresses, a router netns (the only place that
forwards), the admin /30 to the machine, a client netns on the public segment and one netns per
host wired with veth before boot. Every name starts with `tlab-` (netns) or `tl-` (links)."""
import ipaddress
import json
import os

from .config import LINK_PREFIX, PREFIX
from .paths import lab_dir
from .util import LabError, is_mount_point, run

# iproute2 bind-mounts /run/netns onto itself when it makes the first namespace on a machine. If
# the lab's namespace is that first one, this marker records it, so `down` can return the machine
# to how it was (and `down` leaves the mount alone when it was there before the lab).
NETNS_DIR = "/run/netns"

# Addresses that must NOT be routable from inside the lab. `ip route get` only asks the kernel's
# routing table: no packet is sent.
FILTER_TABLE = "tlab_router"   # the router netns' nftables table (net.router_filter)
OUTSIDE_PROBES = ["1.1.1.1", "8.8.8.8", "9.9.9.9", "192.0.2.1", "203.0.113.1", "172.16.0.1", "10.0.0.1"]
OUTSIDE_PROBES6 = ["2001:4860:4860::8888", "2606:4700:4700::1111"]


def ip(*args, ns=None, check=True):
    cmd = ["ip"] + (["-n", ns] if ns else []) + list(args)
    return run(cmd, check=check)


def ip_json(*args, ns=None):
    p = ip("-j", *args, ns=ns, check=False)
    if p.returncode != 0 or not p.stdout.strip():
        return []
    return json.loads(p.stdout)


def netns_list():
    return sorted(n["name"] for n in ip_json("netns", "list"))


def lab_netns():
    return [n for n in netns_list() if n.startswith(PREFIX + "-")]


def links(ns=None):
    return {l["ifname"]: l for l in ip_json("link", "show", ns=ns)}


def lab_links():
    return sorted(n for n in links() if n.startswith(LINK_PREFIX))


def _disable_ipv6_root(ifname):
    try:
        with open(f"/proc/sys/net/ipv6/conf/{ifname}/disable_ipv6", "w") as f:
            f.write("1")
    except OSError:
        pass


def _sysctl_ns(ns, *settings):
    run(["ip", "netns", "exec", ns, "sysctl", "-q", "-w", *settings])


def netns_mount_marker():
    return os.path.join(lab_dir(), "netns-mount-made-by-lab")


def ensure_netns(ns, forward=False):
    if ns in netns_list():
        return 0
    if not is_mount_point(NETNS_DIR) and not os.path.exists(netns_mount_marker()):
        os.makedirs(lab_dir(), exist_ok=True)
        with open(netns_mount_marker(), "w") as f:
            f.write(f"{NETNS_DIR} was not a mount point before the lab's first namespace\n")
    ip("netns", "add", ns)
    # No IPv6 anywhere in the lab: no link-local chatter, nothing to autoconfigure from.
    _sysctl_ns(ns, "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1",
               f"net.ipv4.ip_forward={1 if forward else 0}")
    ip("link", "set", "lo", "up", ns=ns)
    return 1


def addrs(ifname, ns=None):
    out = []
    for l in ip_json("-4", "addr", "show", "dev", ifname, ns=ns):
        for a in l.get("addr_info", []):
            out.append(f"{a['local']}/{a['prefixlen']}")
    return out


def ensure_addr(ifname, cidr, ns=None, exclusive=True):
    """Make cidr an address of ifname; with exclusive, delete any other IPv4 address (e.g. a VIP
    left behind by a killed container)."""
    changes = 0
    have = addrs(ifname, ns)
    if exclusive:
        for a in have:
            if a != cidr:
                ip("addr", "del", a, "dev", ifname, ns=ns)
                changes += 1
    if cidr not in have:
        ip("addr", "add", cidr, "dev", ifname, ns=ns)
        changes += 1
    return changes


def ensure_up(ifname, ns=None):
    l = links(ns).get(ifname)
    if l and "UP" in l.get("flags", []):
        return 0
    ip("link", "set", ifname, "up", ns=ns)
    return 1


def ensure_route(dst, via, ns=None, dev=None):
    want = str(dst)
    for r in ip_json("-4", "route", "show", want, ns=ns):
        if r.get("gateway") == str(via):
            return 0
    ip("route", "replace", want, "via", str(via), *(["dev", dev] if dev else []), ns=ns)
    return 1


def ensure_veth(root_name, peer_name, peer_ns, master=None):
    """veth pair root_name (root netns, optionally enslaved to a bridge) <-> peer_name in peer_ns."""
    changes = 0
    if root_name not in links():
        if peer_name in links(peer_ns):      # half-made: the peer exists alone
            ip("link", "del", peer_name, ns=peer_ns)
        ip("link", "add", root_name, "type", "veth", "peer", "name", peer_name, "netns", peer_ns)
        _disable_ipv6_root(root_name)
        changes += 1
    if master and links()[root_name].get("master") != master:
        ip("link", "set", root_name, "master", master)
        changes += 1
    changes += ensure_up(root_name)
    return changes


def ensure_bridge(name):
    changes = 0
    if name not in links():
        ip("link", "add", name, "type", "bridge")
        _disable_ipv6_root(name)
        changes += 1
    changes += ensure_up(name)
    return changes


def up(lab):
    """Create what is missing of the topology. Returns the number of changes."""
    c = 0
    for net in lab.networks.values():
        c += ensure_bridge(net.bridge)
    rtr = lab.router_netns
    c += ensure_netns(rtr, forward=True)
    admin_prefix = lab.admin_cidr.prefixlen
    c += ensure_veth(lab.admin_link, "eth-admin", rtr)
    c += ensure_addr(lab.admin_link, f"{lab.machine_address}/{admin_prefix}")
    c += ensure_addr("eth-admin", f"{lab.router_address}/{admin_prefix}", ns=rtr)
    c += ensure_up("eth-admin", ns=rtr)
    for net in (n for n in lab.networks.values() if n.routed):
        c += ensure_veth(net.router_peer, net.router_if, rtr, master=net.bridge)
        c += ensure_addr(net.router_if, f"{net.gateway}/{net.cidr.prefixlen}", ns=rtr)
        c += ensure_up(net.router_if, ns=rtr)
    c += ensure_route(lab.supernet, lab.router_address, dev=lab.admin_link)
    c += router_filter(lab)
    # client: stands for the internet, on the public segment only
    cli = lab.client_netns
    c += ensure_netns(cli)
    c += ensure_veth(lab.client_link, "eth0", cli, master=lab.client_network.bridge)
    c += ensure_addr("eth0", f"{lab.client_address}/{lab.client_network.cidr.prefixlen}", ns=cli)
    c += ensure_up("eth0", ns=cli)
    c += ensure_route(lab.supernet, lab.client_network.gateway, ns=cli)
    for h in lab.hosts.values():
        c += host_up(lab, h)
    return c


def router_filter(lab):
    """The router's only filter: the lab repository on the machine answers the lab's hosts (they
    install packages) and nobody else, the client (the internet) above all. Replaced whole on every
    `up`; returns 1 if it changed."""
    installers = ", ".join(str(h.address) for h in lab.hosts.values())
    ruleset = (f"table inet {FILTER_TABLE} {{\n"
               f"  chain forward {{\n"
               f"    type filter hook forward priority filter; policy accept;\n"
               f"    ip daddr {lab.machine_address} tcp dport {lab.apt_port} ip saddr != {{ {installers} }} drop\n"
               f"  }}\n}}\n")
    have = run(["ip", "netns", "exec", lab.router_netns, "nft", "list", "table", "inet", FILTER_TABLE], check=False)
    wanted = [str(lab.machine_address), f"dport {lab.apt_port}"] + [str(h.address) for h in lab.hosts.values()]
    if have.returncode == 0 and all(w in have.stdout for w in wanted):
        return 0
    script = (f"table inet {FILTER_TABLE}\ndelete table inet {FILTER_TABLE}\n" + ruleset)
    run(["ip", "netns", "exec", lab.router_netns, "nft", "-f", "-"], input=script)
    return 1


def host_up(lab, h, exclusive=True):
    c = ensure_netns(h.netns)
    for i, itf in enumerate(h.interfaces):
        c += ensure_veth(h.veth(i), itf.ifname, h.netns, master=itf.network.bridge)
        c += ensure_addr(itf.ifname, f"{itf.address}/{itf.prefix}", ns=h.netns, exclusive=exclusive)
        c += ensure_up(itf.ifname, ns=h.netns)
    c += ensure_route(lab.supernet, h.gateway, ns=h.netns)
    return c


def set_links(h, up):
    """Every interface of a host's netns up or down (down: the host is cut from every network)."""
    for itf in h.interfaces:
        ip("link", "set", itf.ifname, "up" if up else "down", ns=h.netns)


def clear_stale_addresses(lab, h):
    """After a host died: drop addresses it added at runtime (a VIP), keep the configured ones."""
    if h.netns not in netns_list():
        return 0
    return host_up(lab, h, exclusive=True)


def router_leg_up(lab, net):
    l = links(lab.router_netns).get(net.router_if)
    return bool(l) and "UP" in l.get("flags", [])


def set_router_legs(lab, nets, up):
    """Cut (up=False) or heal a zone: its networks' legs on the router go down or up. A downed link
    loses its connected route but keeps its address, so bringing it up restores everything."""
    for net in nets:
        ip("link", "set", net.router_if, "up" if up else "down", ns=lab.router_netns)


def _uplink_probes():
    """The machine's own gateway and addresses outside the lab: also unroutable from the lab."""
    extra = []
    for r in ip_json("-4", "route", "show", "default"):
        if r.get("gateway"):
            extra.append(r["gateway"])
    for l in ip_json("-4", "addr", "show"):
        if l["ifname"].startswith(LINK_PREFIX) or l["ifname"] == "lo":
            continue
        for a in l.get("addr_info", []):
            extra.append(a["local"])
    return extra


def verify_isolation(lab):
    """Prove, from inside every lab netns, that nothing outside the lab is routable: no default
    route and `ip route get` fails for outside addresses. Sends no traffic. Raises on failure."""
    probes = OUTSIDE_PROBES + [a for a in _uplink_probes() if ipaddress.IPv4Address(a) not in lab.supernet]
    problems = []
    spaces = [lab.router_netns, lab.client_netns] + [h.netns for h in lab.hosts.values()]
    for ns in spaces:
        if ip_json("-4", "route", "show", "default", ns=ns) or ip_json("-6", "route", "show", "default", ns=ns):
            problems.append(f"{ns}: has a default route")
        for a in probes:
            p = ip("-4", "route", "get", a, ns=ns, check=False)
            if p.returncode == 0:
                problems.append(f"{ns}: {a} is routable ({p.stdout.strip()})")
        for a in OUTSIDE_PROBES6:
            p = ip("-6", "route", "get", a, ns=ns, check=False)
            if p.returncode == 0:
                problems.append(f"{ns}: {a} is routable ({p.stdout.strip()})")
        for r in ip_json("-4", "route", "show", ns=ns):
            dst = r.get("dst", "")
            if dst == "default":
                continue
            try:
                if not ipaddress.IPv4Network(dst if "/" in dst else dst + "/32").subnet_of(lab.supernet):
                    problems.append(f"{ns}: route to {dst} outside the lab supernet {lab.supernet}")
            except ValueError:
                problems.append(f"{ns}: unexpected route {dst}")
    # forwarding only in the router
    for ns in spaces:
        v = run(["ip", "netns", "exec", ns, "sysctl", "-n", "net.ipv4.ip_forward"]).stdout.strip()
        if (v == "1") != (ns == lab.router_netns):
            problems.append(f"{ns}: net.ipv4.ip_forward={v}")
    # from the machine, lab addresses go to the lab router and nowhere else
    for h in lab.hosts.values():
        p = ip("-4", "-j", "route", "get", str(h.address), check=False)
        r = json.loads(p.stdout)[0] if p.returncode == 0 and p.stdout.strip() else {}
        if r.get("dev") != lab.admin_link or r.get("gateway") != str(lab.router_address):
            problems.append(f"machine: {h.address} is not routed via {lab.router_address} dev {lab.admin_link} ({r})")
    # the router reaches every routed lab network, and has no leg in the others
    for n in lab.networks.values():
        if not n.routed:
            if n.router_if in links(lab.router_netns):
                problems.append(f"{lab.router_netns}: has a leg in {n.name}, which must not be routed")
            continue
        p = ip("-4", "-j", "route", "get", str(n.gateway + 1), ns=lab.router_netns, check=False)
        r = json.loads(p.stdout)[0] if p.returncode == 0 and p.stdout.strip() else {}
        if r.get("dev") != n.router_if:
            problems.append(f"{lab.router_netns}: {n.name} ({n.cidr}) is not reachable via {n.router_if}")
    if problems:
        raise LabError("lab isolation check failed, refusing to continue:\n  " + "\n  ".join(problems))
    return len(spaces), len(probes) + len(OUTSIDE_PROBES6)


def down():
    """Delete every lab netns and every lab link. Returns the number of objects removed."""
    n = 0
    for ns in lab_netns():
        ip("netns", "del", ns, check=False)
        n += 1
    for l in lab_links():
        if l in links():
            ip("link", "del", l, check=False)
            n += 1
    return n


def release_netns_mount():
    """After every lab namespace is gone: undo iproute2's /run/netns mount if the lab caused it and no
    other namespace uses it. Returns what it did (for `down` to report), or None."""
    marker = netns_mount_marker()
    if not os.path.exists(marker):
        return None
    others = os.listdir(NETNS_DIR) if os.path.isdir(NETNS_DIR) else []
    os.remove(marker)
    if others:
        return f"left {NETNS_DIR} mounted: other namespaces use it ({', '.join(sorted(others))})"
    if is_mount_point(NETNS_DIR):
        run(["umount", NETNS_DIR])
    return f"unmounted {NETNS_DIR} (iproute2 mounted it for the lab's first namespace)"


def leftovers(lab=None):
    left = [f"netns {n}" for n in lab_netns()] + [f"link {l}" for l in lab_links()]
    if lab:
        for r in ip_json("-4", "route", "show", str(lab.supernet)):
            left.append(f"route {lab.supernet} {r}")
        for l in ip_json("-4", "addr", "show"):
            for a in l.get("addr_info", []):
                if ipaddress.IPv4Address(a["local"]) in lab.supernet:
                    left.append(f"address {a['local']} on {l['ifname']}")
    return left
