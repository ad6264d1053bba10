locals {
  zone_keys = sort(keys(var.zones))
  # name → zone and host number inside the zone subnet; one host per zone is not numbered.
  hosts = merge([
    for zone in local.zone_keys : {
      for i in range(var.numbered ? var.count_per_zone : 1) : # more is refused below
      (var.numbered ? "${var.group}-${zone}${i + 1}" : "${var.group}-${zone}") => {
        zone    = zone
        address = cidrhost(var.zones[zone].subnet_cidr, var.host_number + i)
      }
    }
  ]...)
}

resource "hcloud_server" "this" {
  for_each = local.hosts

  name               = "${var.name_prefix}-${each.key}"
  server_type        = var.server_type
  image              = var.image
  location           = var.zones[each.value.zone].location
  placement_group_id = var.zones[each.value.zone].placement_group_id
  ssh_keys           = var.ssh_key_ids
  firewall_ids       = var.firewall_ids
  user_data = templatefile("${path.module}/cloud-init.yaml.tftpl", {
    admin_user           = var.admin_user
    admin_ssh_public_key = var.admin_ssh_public_key
  })
  delete_protection  = var.protect
  rebuild_protection = var.protect
  labels             = merge(var.labels, { "tandem-group" = var.group, "tandem-zone" = each.value.zone, "tandem-host" = each.key })

  # A public IPv4 for egress (Debian mirrors) and, on the LBs, the floating IP's interface; the
  # cloud firewall closes it to everything the policy does not open to the internet.
  public_net {
    ipv4_enabled = true
    ipv6_enabled = false
  }

  # cloud-init runs on the first boot only; a changed key or image must not rebuild a host.
  lifecycle {
    ignore_changes = [user_data, ssh_keys, image]

    precondition {
      condition     = var.numbered || var.count_per_zone == 1
      error_message = "Hosts that are not numbered can only be one per zone."
    }
  }
}

resource "hcloud_server_network" "zone" {
  for_each = local.hosts

  server_id = tonumber(hcloud_server.this[each.key].id)
  subnet_id = var.zones[each.value.zone].subnet_id
  ip        = each.value.address
}
