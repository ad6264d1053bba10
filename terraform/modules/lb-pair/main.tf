locals {
  first_zone = sort(keys(var.zones))[0]
}

module "servers" {
  source = "../hosts"

  name_prefix          = var.name_prefix
  group                = "lb"
  numbered             = false
  count_per_zone       = 1
  zones                = var.zones
  host_number          = var.host_number
  server_type          = var.server_type
  admin_user           = var.admin_user
  admin_ssh_public_key = var.admin_ssh_public_key
  ssh_key_ids          = var.ssh_key_ids
  firewall_ids         = var.firewall_ids
  protect              = var.protect
  labels               = var.labels
}

# The VRRP segment: a network only the two LBs are attached to (no other host can send adverts).
resource "hcloud_server_network" "vrrp" {
  for_each = module.servers.hosts

  server_id  = tonumber(each.value.id)
  network_id = tonumber(var.vrrp_network.id)
  ip         = cidrhost(var.vrrp_network.ip_range, var.host_number + index(sort(keys(module.servers.hosts)), each.key))
}

# The public VIP. It starts on the first zone's LB; from then on keepalived's notify script moves it
# (tools/hcloud-fip-assign), so Terraform ignores where it is.
resource "hcloud_floating_ip" "vip" {
  name              = "${var.name_prefix}-vip"
  type              = "ipv4"
  home_location     = var.zones[local.first_zone].location
  server_id         = tonumber(module.servers.hosts["lb-${local.first_zone}"].id)
  description       = "Tandem ${var.name_prefix}: the public VIP keepalived moves between the LBs"
  delete_protection = var.protect
  labels            = merge(var.labels, { "tandem-role" = "vip" })

  lifecycle {
    ignore_changes = [server_id]
  }
}
