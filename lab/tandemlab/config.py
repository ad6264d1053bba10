"""Parse and validate the lab description (lab.toml) and the package lock.

Every error names the offending key (e.g. `hosts.app-a1.interfaces[0].address`) and is raised
as ConfigError before anything is created.
"""
import ipaddress
import os
import re
import tomllib
from dataclasses import dataclass, field

from .util import LabError

PREFIX = "tlab"           # netns prefix; cgroup dir is "tandem-lab"
LINK_PREFIX = "tl-"        # every link the lab creates in the root netns starts with this
NAME_RE = re.compile(r"^[a-z][a-z0-9-]*$")
RESERVED_HOSTS = {"rtr", "client", "br", "r", "c", "admin"}


class ConfigError(LabError):
    exit_code = 2


@dataclass
class Network:
    name: str
    cidr: ipaddress.IPv4Network
    gateway: ipaddress.IPv4Address | None   # None: a segment the router has no leg in
    zone: str | None
    index: int

    @property
    def routed(self):
        return self.gateway is not None

    @property
    def bridge(self):
        return f"{LINK_PREFIX}br-{self.name}"

    @property
    def router_peer(self):          # root-netns end of the router's leg, enslaved to the bridge
        return f"{LINK_PREFIX}r-{self.name}"

    @property
    def router_if(self):            # router-netns end
        return f"r-{self.name}"


@dataclass
class Interface:
    ifname: str
    network: Network
    address: ipaddress.IPv4Address

    @property
    def prefix(self):
        return self.network.cidr.prefixlen


@dataclass
class Host:
    name: str
    zone: str
    groups: list
    interfaces: list

    @property
    def address(self):
        return self.interfaces[0].address

    @property
    def netns(self):
        return f"{PREFIX}-{self.name}"

    def veth(self, i):
        return f"{LINK_PREFIX}{self.name}-{i}"

    @property
    def gateway(self):
        return self.interfaces[0].network.gateway


@dataclass
class Lab:
    path: str
    name: str
    supernet: ipaddress.IPv4Network
    admin_cidr: ipaddress.IPv4Network
    machine_address: ipaddress.IPv4Address
    router_address: ipaddress.IPv4Address
    ssh_user: str
    apt_port: int
    suite: str
    image_packages: list
    repo_packages: list
    lock: dict
    vip: ipaddress.IPv4Address
    vip_network: Network
    vrrp_network: Network
    networks: dict
    client_network: Network
    client_address: ipaddress.IPv4Address
    hosts: dict = field(default_factory=dict)

    router_netns = f"{PREFIX}-rtr"
    client_netns = f"{PREFIX}-client"
    admin_link = f"{LINK_PREFIX}admin"      # root-netns end of the admin /30
    client_link = f"{LINK_PREFIX}c-0"

    def zones(self):
        return sorted({n.zone for n in self.networks.values() if n.zone})

    def zone_networks(self, zone_or_net):
        """Networks a `cut`/`heal` argument means: a zone name or a zone network's name."""
        nets = [n for n in self.networks.values() if n.zone == zone_or_net]
        if not nets and zone_or_net in self.networks and self.networks[zone_or_net].zone:
            nets = [self.networks[zone_or_net]]
        if not nets:
            raise ConfigError(f"unknown zone {zone_or_net!r}; zones: {', '.join(self.zones())}")
        return nets

    def host(self, name):
        if name not in self.hosts:
            raise ConfigError(f"unknown host {name!r}; hosts: {', '.join(self.hosts)}")
        return self.hosts[name]

    @property
    def apt_uri(self):
        return f"http://{self.machine_address}:{self.apt_port}/debian"


def default_config_path():
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return os.environ.get("TANDEM_LAB_CONFIG") or os.path.join(here, "lab.toml")


def default_lock_path():
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return os.environ.get("TANDEM_LAB_LOCK") or os.path.join(here, "packages.lock")


def _get(d, key, where, typ, default=...):
    full = f"{where}.{key}" if where else key
    if key not in d:
        if default is not ...:
            return default
        raise ConfigError(f"missing key `{full}`")
    v = d[key]
    if not isinstance(v, typ) or (typ is int and isinstance(v, bool)):
        tn = typ.__name__ if isinstance(typ, type) else "/".join(t.__name__ for t in typ)
        raise ConfigError(f"key `{full}` must be a {tn}, got {type(v).__name__}")
    return v


def _addr(d, key, where):
    v = _get(d, key, where, str)
    try:
        return ipaddress.IPv4Address(v)
    except ValueError:
        raise ConfigError(f"key `{where}.{key}`: {v!r} is not an IPv4 address") from None


def _net(d, key, where):
    v = _get(d, key, where, str)
    try:
        return ipaddress.IPv4Network(v)
    except ValueError:
        raise ConfigError(f"key `{where}.{key}`: {v!r} is not an IPv4 network (address/prefix, host bits zero)") from None


def _name(v, key, maxlen):
    if not NAME_RE.match(v) or len(v) > maxlen:
        raise ConfigError(f"key `{key}`: {v!r} must match [a-z][a-z0-9-]* and be at most {maxlen} characters "
                          f"(it becomes part of interface names, limited to 15)")
    return v


def parse_lock(path):
    lock = {}
    try:
        with open(path) as f:
            lines = f.readlines()
    except OSError as e:
        raise ConfigError(f"package lock {path}: {e.strerror}") from None
    for n, line in enumerate(lines, 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, ver = line.partition("=")
        if not sep or not name or not ver:
            raise ConfigError(f"{path}:{n}: expected name=version, got {line!r}")
        if name in lock:
            raise ConfigError(f"{path}:{n}: {name} is locked twice")
        lock[name] = ver
    return lock


class _Addresses:
    """Every address the description uses, with the key that claimed it: no address twice."""

    def __init__(self):
        self.used = {}

    def claim(self, addr, key):
        if addr in self.used:
            raise ConfigError(f"key `{key}`: address {addr} is already used by `{self.used[addr]}`")
        self.used[addr] = key


def _usable_in(net, addr, key):
    if addr not in net or addr in (net.network_address, net.broadcast_address):
        raise ConfigError(f"key `{key}`: {addr} is not a usable address in {net}")


def _read_toml(path):
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except OSError as e:
        raise ConfigError(f"lab description {path}: {e.strerror}") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"lab description {path}: not valid TOML: {e}") from None


def _parse_admin(raw, supernet, addresses):
    """[admin]: the /30 between this machine and the lab router, the SSH user, the repository port."""
    admin = _get(raw, "admin", "", dict)
    cidr = _net(admin, "cidr", "admin")
    machine = _addr(admin, "machine_address", "admin")
    router = _addr(admin, "router_address", "admin")
    for k, a in (("machine_address", machine), ("router_address", router)):
        _usable_in(cidr, a, f"admin.{k}")
    if machine == router:
        raise ConfigError("key `admin.router_address`: same address as admin.machine_address")
    if not cidr.subnet_of(supernet):
        raise ConfigError(f"key `admin.cidr`: {cidr} is outside supernet {supernet}")
    ssh_user = _get(admin, "ssh_user", "admin", str)
    if not re.match(r"^[a-z_][a-z0-9_-]{0,31}$", ssh_user) or ssh_user == "root":
        raise ConfigError(f"key `admin.ssh_user`: {ssh_user!r} is not a valid non-root user name")
    apt_port = _get(admin, "apt_port", "admin", int)
    if not 1 <= apt_port <= 65535:
        raise ConfigError(f"key `admin.apt_port`: {apt_port} is not a TCP port")
    addresses.claim(machine, "admin.machine_address")
    addresses.claim(router, "admin.router_address")
    return dict(admin_cidr=cidr, machine_address=machine, router_address=router, ssh_user=ssh_user,
                apt_port=apt_port)


def _parse_packages(raw, lock, lock_path):
    """[image] and [repo]: the suite and package lists; every package must have a locked version."""
    image = _get(raw, "image", "", dict)
    suite = _get(image, "suite", "image", str)
    image_pkgs = _get(image, "packages", "image", list)
    repo_pkgs = _get(_get(raw, "repo", "", dict), "packages", "repo", list)
    for key, pkgs in (("image.packages", image_pkgs), ("repo.packages", repo_pkgs)):
        for p in pkgs:
            if not isinstance(p, str):
                raise ConfigError(f"key `{key}`: {p!r} is not a package name")
            if p not in lock:
                raise ConfigError(f"key `{key}`: package {p!r} has no version in {os.path.basename(lock_path)}")
    return dict(suite=suite, image_packages=list(image_pkgs), repo_packages=list(repo_pkgs), lock=lock)


def _parse_network(nname, n, index, supernet, admin_cidr, networks, addresses):
    where = f"networks.{nname}"
    _name(nname, where, 9)
    if nname == "admin":
        raise ConfigError(f"key `{where}`: the name `admin` is reserved for the admin link")
    if not isinstance(n, dict):
        raise ConfigError(f"key `{where}` must be a table")
    cidr = _net(n, "cidr", where)
    zone = _get(n, "zone", where, str, None)
    if zone is not None:
        _name(zone, f"{where}.zone", 8)
    if "gateway" not in n:
        if zone is not None:
            raise ConfigError(f"key `{where}.gateway`: missing; a zone's network needs the router "
                              f"(only a segment of no zone may go without a gateway)")
        gw = None
    else:
        gw = _addr(n, "gateway", where)
        if gw not in cidr or gw in (cidr.network_address, cidr.broadcast_address):
            raise ConfigError(f"key `{where}.gateway`: {gw} is outside its network {cidr}")
    if not cidr.subnet_of(supernet):
        raise ConfigError(f"key `{where}.cidr`: {cidr} is outside supernet {supernet}")
    for other in networks.values():
        if cidr.overlaps(other.cidr):
            raise ConfigError(f"key `{where}.cidr`: {cidr} overlaps networks.{other.name} ({other.cidr})")
    if cidr.overlaps(admin_cidr):
        raise ConfigError(f"key `{where}.cidr`: {cidr} overlaps admin.cidr {admin_cidr}")
    if gw is not None:
        addresses.claim(gw, f"{where}.gateway")
    return Network(nname, cidr, gw, zone, index)


def _parse_networks(raw, supernet, admin_cidr, addresses):
    """[networks.NAME]: the segments, each inside the supernet, none overlapping."""
    nets_raw = _get(raw, "networks", "", dict)
    if not nets_raw:
        raise ConfigError("key `networks` has no networks")
    networks = {}
    for i, (nname, n) in enumerate(nets_raw.items()):
        networks[nname] = _parse_network(nname, n, i, supernet, admin_cidr, networks, addresses)
    return networks


def _netref(d, key, where, networks):
    v = _get(d, key, where, str)
    if v not in networks:
        raise ConfigError(f"key `{where}.{key}`: unknown network {v!r}; networks: {', '.join(networks)}")
    return networks[v]


def _addr_in(d, key, where, net, addresses):
    a = _addr(d, key, where)
    if a not in net.cidr or a in (net.cidr.network_address, net.cidr.broadcast_address):
        raise ConfigError(f"key `{where}.{key}`: {a} is outside network {net.name} ({net.cidr})")
    addresses.claim(a, f"{where}.{key}")
    return a


def _parse_endpoint(raw, section, networks, addresses):
    """[vip] or [client]: a network and an address on it; it must be routed (the client's traffic
    and the VIP's answers go through the router)."""
    t = _get(raw, section, "", dict)
    net = _netref(t, "network", section, networks)
    if not net.routed:
        raise ConfigError(f"key `{section}.network`: {net.name} has no gateway; the {section} needs a routed network")
    return net, _addr_in(t, "address", section, net, addresses)


def _parse_vrrp_network(raw, networks):
    """vip.vrrp_network: the segment VRRP runs on. It must be one the public cannot reach: no router
    leg, so nothing but the hosts on it can send there."""
    net = _netref(raw["vip"], "vrrp_network", "vip", networks)
    if net.routed:
        raise ConfigError(f"key `vip.vrrp_network`: {net.name} is routed (gateway {net.gateway}); VRRP needs a "
                          f"segment without a gateway, which no other network can reach")
    return net


def _parse_interfaces(h, where, zone, networks, addresses):
    ifs_raw = _get(h, "interfaces", where, list)
    if not ifs_raw:
        raise ConfigError(f"key `{where}.interfaces` is empty")
    ifs, seen = [], set()
    for i, ifr in enumerate(ifs_raw):
        iw = f"{where}.interfaces[{i}]"
        if not isinstance(ifr, dict):
            raise ConfigError(f"key `{iw}` must be a table")
        net = _netref(ifr, "network", iw, networks)
        if net.name in seen:
            raise ConfigError(f"key `{iw}.network`: host already has an interface on {net.name}")
        seen.add(net.name)
        ifs.append(Interface(f"eth{i}", net, _addr_in(ifr, "address", iw, net, addresses)))
    if ifs[0].network.zone != zone:
        raise ConfigError(f"key `{where}.interfaces[0].network`: the management interface must be on a "
                          f"network of zone {zone!r}, {ifs[0].network.name} is not")
    return ifs


def _parse_host(hname, h, zones, networks, addresses):
    where = f"hosts.{hname}"
    _name(hname, where, 10)
    if hname in RESERVED_HOSTS:
        raise ConfigError(f"key `{where}`: the host name {hname!r} is reserved")
    if not isinstance(h, dict):
        raise ConfigError(f"key `{where}` must be a table")
    zone = _get(h, "zone", where, str)
    if zone not in zones:
        raise ConfigError(f"key `{where}.zone`: unknown zone {zone!r}; zones: {', '.join(sorted(zones))}")
    groups = _get(h, "groups", where, list)
    for g in groups:
        if not isinstance(g, str) or not re.match(r"^[a-z][a-z0-9_]*$", g):
            raise ConfigError(f"key `{where}.groups`: {g!r} is not a valid group name")
    return Host(hname, zone, list(groups), _parse_interfaces(h, where, zone, networks, addresses))


def _parse_hosts(raw, networks, addresses):
    """[hosts.NAME]: zone, groups and interfaces; the first interface is the management one."""
    hosts_raw = _get(raw, "hosts", "", dict)
    if not hosts_raw:
        raise ConfigError("key `hosts` has no hosts")
    zones = {n.zone for n in networks.values() if n.zone}
    return {hname: _parse_host(hname, h, zones, networks, addresses) for hname, h in hosts_raw.items()}


def load(path=None, lock_path=None):
    """Read and validate the lab description; one parser per section, in an order that lets later
    sections refer to earlier ones (hosts name networks)."""
    path = path or default_config_path()
    lock_path = lock_path or default_lock_path()
    raw = _read_toml(path)
    name = _name(_get(raw, "name", "", str), "name", 30)
    supernet = _net(raw, "supernet", "")
    addresses = _Addresses()
    admin = _parse_admin(raw, supernet, addresses)
    packages = _parse_packages(raw, parse_lock(lock_path), lock_path)
    networks = _parse_networks(raw, supernet, admin["admin_cidr"], addresses)
    vip_net, vip = _parse_endpoint(raw, "vip", networks, addresses)
    vrrp_net = _parse_vrrp_network(raw, networks)
    client_net, client_addr = _parse_endpoint(raw, "client", networks, addresses)
    hosts = _parse_hosts(raw, networks, addresses)
    return Lab(path=path, name=name, supernet=supernet, **admin, **packages, vip=vip, vip_network=vip_net, vrrp_network=vrrp_net,
               networks=networks, client_network=client_net, client_address=client_addr, hosts=hosts)
