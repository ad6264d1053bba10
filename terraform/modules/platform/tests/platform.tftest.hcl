mock_provider "hcloud" {
  mock_resource "hcloud_network" {
    defaults = { id = "1001" }
  }
  mock_resource "hcloud_placement_group" {
    defaults = { id = "11" }
  }
  mock_resource "hcloud_firewall" {
    defaults = { id = "3001" }
  }
  mock_resource "hcloud_server" {
    defaults = { id = "2001", ipv4_address = "203.0.113.10" }
  }
  mock_resource "hcloud_floating_ip" {
    defaults = { id = "4001", ip_address = "198.51.100.7" }
  }
}

variables {
  environment = "test"
  zones       = { a = "fsn1", b = "nbg1" }
  sizes = {
    lb_server_type     = "cx23"
    app_server_type    = "cx23"
    app_count_per_zone = 2
    obs_server_type    = "cx33"
  }
  admin_ssh_public_key            = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHRhbmRlbXRlc3RrZXl0YW5kZW10ZXN0a2V5MDAw ops@test"
  ssh_private_key_file            = "/srv/tandem/ssh/id_ed25519"
  known_hosts_file                = "/srv/tandem/ssh/known_hosts"
  release_signing_key_fingerprint = "0123456789ABCDEF0123456789ABCDEF01234567"
}

run "networks_and_subnets" {
  assert {
    condition     = output.environment.networks["zone-a"].cidr == "10.20.1.0/24" && output.environment.networks["zone-b"].cidr == "10.20.2.0/24"
    error_message = "Zone subnets are the /16's /24s 1 and 2."
  }
  assert {
    condition     = output.admin_cidr == "10.20.255.0/24" && output.environment.networks.admin.cidr == output.admin_cidr
    error_message = "The admin network is the private /24 number 255."
  }
  assert {
    condition     = output.environment.vip.vrrp_network == "lb-sync" && output.environment.networks["lb-sync"].cidr == "10.254.0.0/24"
    error_message = "VRRP runs on the LBs' own network."
  }
}

run "bad_environment_refused" {
  command = plan
  variables { environment = "Production!" }
  expect_failures = [var.environment]
}

run "one_zone_refused" {
  command = plan
  variables { zones = { a = "fsn1" } }
  expect_failures = [var.zones]
}

run "unknown_location_refused" {
  command = plan
  variables { zones = { a = "fsn1", b = "eu-west-1" } }
  expect_failures = [var.zones]
}

run "ip_range_not_a_16_refused" {
  command = plan
  variables { ip_range = "10.20.0.0/24" }
  expect_failures = [var.ip_range]
}

run "bad_vrrp_ip_range_refused" {
  command = plan
  variables { vrrp_ip_range = "10.254.0.0" }
  expect_failures = [var.vrrp_ip_range]
}

run "egress_for_dns_mirrors_and_the_mover" {
  assert {
    condition = {
      for entry in output.environment.egress : entry.name => "${entry.proto} ${join(",", entry.ports)} ${join(",", entry.cidrs)} ${join(",", entry.groups)}"
      } == {
      "dns-udp"          = "udp 53 185.12.64.1/32,185.12.64.2/32 all"
      "dns-tcp"          = "tcp 53 185.12.64.1/32,185.12.64.2/32 all"
      "debian-mirrors"   = "tcp 80,443 0.0.0.0/0 all"
      "hetzner-metadata" = "tcp 80 169.254.169.254/32 lb"
      "hetzner-api"      = "tcp 443 0.0.0.0/0 lb"
    }
    error_message = "Egress: DNS to the resolvers for all hosts, Debian's mirrors for all, metadata and API for the LBs."
  }
}

run "egress_follows_the_variables" {
  variables {
    dns_resolvers       = ["192.0.2.53/32"]
    debian_mirror_cidrs = ["198.51.100.0/24"]
  }
  assert {
    condition = (
      join(" ", flatten([for entry in output.environment.egress : entry.cidrs if startswith(entry.name, "dns-")])) == "192.0.2.53/32 192.0.2.53/32" &&
      join(" ", flatten([for entry in output.environment.egress : entry.cidrs if entry.name == "debian-mirrors"])) == "198.51.100.0/24"
    )
    error_message = "The DNS and mirror entries take their CIDRs from the variables."
  }
}

run "bad_dns_resolvers_refused" {
  command = plan
  variables { dns_resolvers = ["185.12.64.1"] }
  expect_failures = [var.dns_resolvers]
}

run "bad_debian_mirror_cidrs_refused" {
  command = plan
  variables { debian_mirror_cidrs = [] }
  expect_failures = [var.debian_mirror_cidrs]
}
