locals {
  # The policy's rules whose source is on the public side; the rest are the hosts' (nftables).
  # Their refinements (daddr = vip, listening, ct_state, rate) are nftables' alone: a Hetzner
  # inbound rule has no destination, so 80/443 open on the LB's own public IPv4 too, where
  # nftables drops them (only the VIP is accepted).
  public_rules = [for rule in var.policy.inbound : rule if contains(keys(var.public_sources), rule.from)]

  # Group → Hetzner rules: one per port (Hetzner takes one port or range per rule), one for ICMP.
  rules = {
    for group in var.groups : group => flatten([
      for rule in local.public_rules : [
        for port in(rule.proto == "icmp" ? [null] : rule.ports) : {
          protocol    = rule.proto
          port        = port == null ? null : tostring(lookup(var.ports, port, 0)) # 0: refused below
          source_ips  = var.public_sources[rule.from]
          description = port == null ? "${rule.proto} from ${rule.from}" : "${port} from ${rule.from}"
        }
      ] if contains([group, "all"], rule.to)
    ])
  }
}

resource "hcloud_firewall" "this" {
  for_each = var.groups

  name   = "${var.name_prefix}-${each.key}"
  labels = merge(var.labels, { "tandem-group" = each.key })

  # Inbound only: with any inbound rule (or none) everything else inbound is dropped; outbound is
  # left to the hosts' nftables output chain.
  dynamic "rule" {
    for_each = local.rules[each.key]

    content {
      direction   = "in"
      protocol    = rule.value.protocol
      port        = rule.value.port
      source_ips  = rule.value.source_ips
      description = rule.value.description
    }
  }

  lifecycle {
    precondition {
      condition = alltrue([
        for port in flatten(concat([for rule in var.policy.inbound : rule.ports], [for rule in var.policy.outbound : rule.ports])) :
        contains(keys(var.ports), port)
      ])
      error_message = "The policy names a port that is not in tandem_ports."
    }
    precondition {
      condition     = alltrue([for rule in local.public_rules : rule.proto != "vrrp"])
      error_message = "VRRP cannot come from a public source: it runs only on the private VRRP network."
    }
  }
}
