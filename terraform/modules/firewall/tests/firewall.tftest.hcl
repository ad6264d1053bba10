mock_provider "hcloud" {
  mock_resource "hcloud_firewall" {
    defaults = { id = "3001" }
  }
}

# The real policy and the real ports: the same files the hosts' nftables rules are rendered from.
variables {
  name_prefix = "test"
  policy      = yamldecode(file("../../../ansible/group_vars/all/firewall_policy.yml")).tandem_firewall_policy
  ports       = yamldecode(file("../../../ansible/group_vars/all/ports.yml")).tandem_ports
}

run "rules_equal_the_public_part_of_the_policy" {
  assert {
    condition = alltrue([
      for group in ["lb", "app", "obs"] :
      toset([for rule in hcloud_firewall.this[group].rule : "${rule.direction} ${rule.protocol} ${rule.port == null ? "-" : rule.port} ${join(",", sort(rule.source_ips))}"])
      ==
      toset(flatten([
        for rule in var.policy.inbound : [
          for port in(rule.proto == "icmp" ? ["-"] : [for name in rule.ports : tostring(var.ports[name])]) :
          "in ${rule.proto} ${port} ${join(",", sort(["0.0.0.0/0", "::/0"]))}"
        ] if rule.from == "any" && contains([group, "all"], rule.to)
      ]))
    ])
    error_message = "Each group's cloud firewall must hold exactly the policy's rules from `any` for that group."
  }
}

run "only_http_and_https_are_public_and_only_on_the_lbs" {
  assert {
    condition     = join(",", sort([for rule in hcloud_firewall.this["lb"].rule : rule.port])) == "443,80"
    error_message = "The LBs' firewall must open 80 and 443, nothing else."
  }
  assert {
    condition     = length(hcloud_firewall.this["app"].rule) == 0 && length(hcloud_firewall.this["obs"].rule) == 0
    error_message = "Nothing may reach the app and obs hosts from the internet."
  }
}

run "no_ssh_on_a_public_interface" {
  assert {
    condition = alltrue(flatten([
      for firewall in hcloud_firewall.this : [
        for rule in firewall.rule : rule.port != tostring(var.ports.ssh) && rule.protocol != "icmp"
      ]
    ]))
    error_message = "SSH (and ping) come only from the admin network, which is private: no public rule may open them."
  }
}

run "unknown_port_name_refused" {
  command = plan
  variables {
    policy = { inbound = [{ to = "lb", from = "any", proto = "tcp", ports = ["gopher"] }] }
  }
  expect_failures = [hcloud_firewall.this]
}

run "public_vrrp_refused" {
  command = plan
  variables {
    policy = { inbound = [{ to = "lb", from = "any", proto = "vrrp" }] }
  }
  expect_failures = [hcloud_firewall.this]
}

run "bad_name_prefix_refused" {
  command = plan
  variables { name_prefix = "9lives" }
  expect_failures = [var.name_prefix]
}

run "bad_policy_rule_refused" {
  command = plan
  variables {
    policy = { inbound = [{ to = "lb", from = "any", proto = "sctp", ports = ["https"] }] }
  }
  expect_failures = [var.policy]
}

run "bad_policy_refinement_refused" {
  command = plan
  variables {
    policy = { inbound = [{ to = "lb", from = "any", proto = "tcp", ports = ["https"], ct_state = "established" }] }
  }
  expect_failures = [var.policy]
}

run "bad_port_number_refused" {
  command = plan
  variables { ports = { ssh = 70000 } }
  expect_failures = [var.ports]
}

run "unknown_public_source_refused" {
  command = plan
  variables { public_sources = { app = ["10.0.0.0/8"] } }
  expect_failures = [var.public_sources]
}

run "admin_from_the_whole_internet_refused" {
  command = plan
  variables { public_sources = { any = ["0.0.0.0/0"], admin = ["0.0.0.0/0"] } }
  expect_failures = [var.public_sources]
}

run "unknown_group_refused" {
  command = plan
  variables { groups = ["lb", "db"] }
  expect_failures = [var.groups]
}
