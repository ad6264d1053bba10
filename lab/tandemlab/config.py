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
    gateway: ipaddress.IPv4Address
    zone: str | None
    index: int

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


def load(path=None, lock_path=None):
    path = path or default_config_path()
    lock_path = lock_path or default_lock_path()
    try:
        with open(path, "rb") as f:
            raw = tomllib.load(f)
    except OSError as e:
        raise ConfigError(f"lab description {path}: {e.strerror}") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"lab description {path}: not valid TOML: {e}") from None

    name = _name(_get(raw, "name", "", str), "name", 30)
    supernet = _net(raw, "supernet", "")
    admin = _get(raw, "admin", "", dict)
    admin_cidr = _net(admin, "cidr", "admin")
    machine = _addr(admin, "machine_address", "admin")
    router = _addr(admin, "router_address", "admin")
    for k, a in (("machine_address", machine), ("router_address", router)):
        if a not in admin_cidr or a in (admin_cidr.network_address, admin_cidr.broadcast_address):
            raise ConfigError(f"key `admin.{k}`: {a} is not a usable address in admin.cidr {admin_cidr}")
    if machine == router:
        raise ConfigError("key `admin.router_address`: same address as admin.machine_address")
    if not admin_cidr.subnet_of(supernet):
        raise ConfigError(f"key `admin.cidr`: {admin_cidr} is outside supernet {supernet}")
    ssh_user = _get(admin, "ssh_user", "admin", str)
    if not re.match(r"^[a-z_][a-z0-9_-]{0,31}$", ssh_user) or ssh_user == "root":
        raise ConfigError(f"key `admin.ssh_user`: {ssh_user!r} is not a valid non-root user name")
    apt_port = _get(admin, "apt_port", "admin", int)
    if not 1 <= apt_port <= 65535:
        raise ConfigError(f"key `admin.apt_port`: {apt_port} is not a TCP port")

    lock = parse_lock(lock_path)
    image = _get(raw, "image", "", dict)
    suite = _get(image, "suite", "image", str)
    image_pkgs = _get(image, "packages", "image", list)
    repo = _get(raw, "repo", "", dict)
    repo_pkgs = _get(repo, "packages", "repo", list)
    for key, pkgs in (("image.packages", image_pkgs), ("repo.packages", repo_pkgs)):
        for p in pkgs:
            if not isinstance(p, str):
                raise ConfigError(f"key `{key}`: {p!r} is not a package name")
            if p not in lock:
                raise ConfigError(f"key `{key}`: package {p!r} has no version in {os.path.basename(lock_path)}")

    nets_raw = _get(raw, "networks", "", dict)
    if not nets_raw:
        raise ConfigError("key `networks` has no networks")
    networks = {}
    used = {}  # address -> key that uses it

    def claim(addr, key):
        if addr in used:
            raise ConfigError(f"key `{key}`: address {addr} is already used by `{used[addr]}`")
        used[addr] = key

    claim(machine, "admin.machine_address")
    claim(router, "admin.router_address")
    for i, (nname, n) in enumerate(nets_raw.items()):
        where = f"networks.{nname}"
        _name(nname, where, 9)
        if nname == "admin":
            raise ConfigError(f"key `{where}`: the name `admin` is reserved for the admin link")
        if not isinstance(n, dict):
            raise ConfigError(f"key `{where}` must be a table")
        cidr = _net(n, "cidr", where)
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
        zone = _get(n, "zone", where, str, None)
        if zone is not None:
            _name(zone, f"{where}.zone", 8)
        claim(gw, f"{where}.gateway")
        networks[nname] = Network(nname, cidr, gw, zone, i)

    def netref(d, key, where):
        v = _get(d, key, where, str)
        if v not in networks:
            raise ConfigError(f"key `{where}.{key}`: unknown network {v!r}; networks: {', '.join(networks)}")
        return networks[v]

    def addr_in(d, key, where, net):
        a = _addr(d, key, where)
        if a not in net.cidr or a in (net.cidr.network_address, net.cidr.broadcast_address):
            raise ConfigError(f"key `{where}.{key}`: {a} is outside network {net.name} ({net.cidr})")
        claim(a, f"{where}.{key}")
        return a

    vipt = _get(raw, "vip", "", dict)
    vip_net = netref(vipt, "network", "vip")
    vip = addr_in(vipt, "address", "vip", vip_net)
    clientt = _get(raw, "client", "", dict)
    client_net = netref(clientt, "network", "client")
    client_addr = addr_in(clientt, "address", "client", client_net)

    lab = Lab(path=path, name=name, supernet=supernet, admin_cidr=admin_cidr, machine_address=machine,
              router_address=router, ssh_user=ssh_user, apt_port=apt_port, suite=suite,
              image_packages=list(image_pkgs), repo_packages=list(repo_pkgs), lock=lock, vip=vip,
              vip_network=vip_net, networks=networks, client_network=client_net, client_address=client_addr)

    hosts_raw = _get(raw, "hosts", "", dict)
    if not hosts_raw:
        raise ConfigError("key `hosts` has no hosts")
    zones = {n.zone for n in networks.values() if n.zone}
    for hname, h in hosts_raw.items():
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
        ifs_raw = _get(h, "interfaces", where, list)
        if not ifs_raw:
            raise ConfigError(f"key `{where}.interfaces` is empty")
        ifs = []
        seen_nets = set()
        for i, ifr in enumerate(ifs_raw):
            iw = f"{where}.interfaces[{i}]"
            if not isinstance(ifr, dict):
                raise ConfigError(f"key `{iw}` must be a table")
            net = netref(ifr, "network", iw)
            if net.name in seen_nets:
                raise ConfigError(f"key `{iw}.network`: host already has an interface on {net.name}")
            seen_nets.add(net.name)
            ifs.append(Interface(f"eth{i}", net, addr_in(ifr, "address", iw, net)))
        if ifs[0].network.zone != zone:
            raise ConfigError(f"key `{where}.interfaces[0].network`: the management interface must be on a "
                              f"network of zone {zone!r}, {ifs[0].network.name} is not")
        lab.hosts[hname] = Host(hname, zone, list(groups), ifs)
    return lab
