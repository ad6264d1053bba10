resource "hcloud_network" "this" {
  name     = var.name
  ip_range = var.ip_range
  labels   = var.labels
}

resource "hcloud_network_subnet" "this" {
  for_each = var.subnets

  network_id   = tonumber(hcloud_network.this.id)
  type         = "cloud"
  network_zone = var.network_zone
  ip_range     = each.value

  lifecycle {
    precondition {
      condition = (
        tonumber(split("/", each.value)[1]) >= tonumber(split("/", var.ip_range)[1]) &&
        cidrhost("${cidrhost(each.value, 0)}/${split("/", var.ip_range)[1]}", 0) == cidrhost(var.ip_range, 0)
      )
      error_message = "Subnet ${each.key} (${each.value}) must lie inside the network's ip_range ${var.ip_range}."
    }
  }
}
