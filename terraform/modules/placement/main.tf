# Hetzner's only placement type is "spread": at most 10 servers per group, each on another host.
resource "hcloud_placement_group" "this" {
  for_each = var.zones

  name   = "${var.name_prefix}-${each.key}"
  type   = "spread"
  labels = merge(var.labels, { "tandem-zone" = each.key })
}
