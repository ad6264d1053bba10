# The whole environment: networks, placement, firewalls, the LB pair with its VIP, app and obs
# hosts, and the inventory contract's document for Ansible.
locals {
  zone_keys = sort(keys(var.zones))
  labels    = { "tandem-env" = var.environment }

  # One source of truth: the port numbers and the firewall policy Ansible uses (group_vars/all).
  ports  = yamldecode(file("${path.module}/../../../ansible/group_vars/all/ports.yml")).tandem_ports
  policy = yamldecode(file("${path.module}/../../../ansible/group_vars/all/firewall_policy.yml")).tandem_firewall_policy

  zone_subnets  = { for i, zone in local.zone_keys : "zone-${zone}" => cidrsubnet(var.ip_range, 8, i + 1) }
  admin_cidr    = cidrsubnet(var.ip_range, 8, 255)
  zone_prefix   = 24
  vrrp_prefix   = tonumber(split("/", var.vrrp_ip_range)[1])
  public_prefix = 32

  # Hosts after the LBs (.2): apps from .11, obs at .20, as in the lab.
  host_groups = {
    app = { numbered = true, count_per_zone = var.sizes.app_count_per_zone, host_number = 11, server_type = var.sizes.app_server_type }
    obs = { numbered = false, count_per_zone = 1, host_number = 20, server_type = var.sizes.obs_server_type }
  }

  zones = {
    for zone in local.zone_keys : zone => {
      location           = var.zones[zone]
      subnet_id          = module.network.subnets["zone-${zone}"].id
      subnet_cidr        = module.network.subnets["zone-${zone}"].ip_range
      placement_group_id = module.placement.ids[zone]
    }
  }
}

module "network" {
  source = "../network"

  name         = var.environment
  ip_range     = var.ip_range
  network_zone = var.network_zone
  subnets      = merge(local.zone_subnets, { admin = local.admin_cidr })
  labels       = local.labels
}

module "vrrp_network" {
  source = "../network"

  name         = "${var.environment}-lb-sync"
  ip_range     = var.vrrp_ip_range
  network_zone = var.network_zone
  subnets      = { lb-sync = var.vrrp_ip_range }
  labels       = local.labels
}

module "placement" {
  source = "../placement"

  name_prefix = var.environment
  zones       = toset(local.zone_keys)
  labels      = local.labels
}

module "firewall" {
  source = "../firewall"

  name_prefix = var.environment
  policy      = local.policy
  ports       = local.ports
  labels      = local.labels
}

resource "hcloud_ssh_key" "admin" {
  name       = "${var.environment}-admin"
  public_key = var.admin_ssh_public_key
  labels     = local.labels
}

module "lb_pair" {
  source = "../lb-pair"

  name_prefix          = var.environment
  zones                = local.zones
  vrrp_network         = { id = module.vrrp_network.id, ip_range = var.vrrp_ip_range }
  host_number          = 2
  server_type          = var.sizes.lb_server_type
  admin_user           = var.admin_user
  admin_ssh_public_key = var.admin_ssh_public_key
  ssh_key_ids          = [hcloud_ssh_key.admin.id]
  firewall_ids         = [module.firewall.ids["lb"]]
  protect              = var.protect
  labels               = local.labels

  depends_on = [module.vrrp_network]
}

# App and obs hosts: the same module, one call per group.
module "hosts" {
  source   = "../hosts"
  for_each = local.host_groups

  name_prefix          = var.environment
  group                = each.key
  numbered             = each.value.numbered
  count_per_zone       = each.value.count_per_zone
  zones                = local.zones
  host_number          = each.value.host_number
  server_type          = each.value.server_type
  admin_user           = var.admin_user
  admin_ssh_public_key = var.admin_ssh_public_key
  ssh_key_ids          = [hcloud_ssh_key.admin.id]
  firewall_ids         = [module.firewall.ids[each.key]]
  protect              = var.protect
  labels               = local.labels
}

locals {
  # Every host in the contract's shape: the zone interface first (the management address), then
  # the public one, and on the LBs the VRRP one.
  groups = { lb = module.lb_pair.hosts, app = module.hosts["app"].hosts, obs = module.hosts["obs"].hosts }
  hosts = flatten([
    for group, hosts in local.groups : [
      for name, host in hosts : {
        name    = name
        zone    = host.zone
        groups  = [group]
        address = host.address
        interfaces = concat(
          [
            { name = var.interface_names.zone, network = "zone-${host.zone}", address = host.address, prefix = local.zone_prefix },
            { name = var.interface_names.public, network = "public", address = host.public_address, prefix = local.public_prefix },
          ],
          group == "lb" ? [{ name = var.interface_names.vrrp, network = "lb-sync", address = host.vrrp_address, prefix = local.vrrp_prefix }] : [],
        )
      }
    ]
  ])
}

locals {
  # What the hosts send beyond the environment (inventory contract `egress`); the firewall role
  # renders each entry into the output chain of its groups' hosts. Everything else stays dropped.
  egress = [
    # DNS to the resolvers (udp, and tcp for large answers).
    { name = "dns-udp", cidrs = var.dns_resolvers, proto = "udp", ports = [53], groups = ["all"] },
    { name = "dns-tcp", cidrs = var.dns_resolvers, proto = "tcp", ports = [53], groups = ["all"] },
    # apt from Debian's mirrors: names, not addresses (every IPv4 address unless narrowed).
    { name = "debian-mirrors", cidrs = var.debian_mirror_cidrs, proto = "tcp", ports = [80, 443], groups = ["all"] },
    # The floating-IP mover (keepalived's notify script, LBs only): the metadata service tells it
    # its server ID, the Hetzner API moves the IP. The API is a name whose addresses change, so its
    # rule allows https to every IPv4 address (with the default mirrors, the rule above does too;
    # this one stays when the mirrors are narrowed).
    { name = "hetzner-metadata", cidrs = ["169.254.169.254/32"], proto = "tcp", ports = [80], groups = ["lb"] },
    { name = "hetzner-api", cidrs = ["0.0.0.0/0"], proto = "tcp", ports = [443], groups = ["lb"] },
  ]
}

module "inventory" {
  source = "../inventory"

  name = var.environment
  vip = {
    address      = module.lb_pair.floating_ip.address
    prefix       = local.public_prefix
    network      = "public"
    vrrp_network = "lb-sync"
  }
  networks = merge(
    { for zone in local.zone_keys : "zone-${zone}" => { cidr = local.zone_subnets["zone-${zone}"], zone = zone } },
    {
      admin   = { cidr = local.admin_cidr }
      public  = { cidr = "0.0.0.0/0" }
      lb-sync = { cidr = var.vrrp_ip_range }
    },
  )
  ssh = {
    user             = var.admin_user
    private_key_file = var.ssh_private_key_file
    known_hosts_file = var.known_hosts_file
  }
  release_signing_key_fingerprint = var.release_signing_key_fingerprint
  hosts                           = local.hosts
  egress                          = local.egress
}
