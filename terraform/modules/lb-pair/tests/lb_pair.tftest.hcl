mock_provider "hcloud" {
  mock_resource "hcloud_server" {
    defaults = { id = "2001", ipv4_address = "203.0.113.10" }
  }
  mock_resource "hcloud_floating_ip" {
    defaults = { id = "4001", ip_address = "198.51.100.7" }
  }
}

variables {
  name_prefix = "test"
  zones = {
    a = { location = "fsn1", subnet_id = "1001-10.20.1.0/24", subnet_cidr = "10.20.1.0/24", placement_group_id = 11 }
    b = { location = "nbg1", subnet_id = "1001-10.20.2.0/24", subnet_cidr = "10.20.2.0/24", placement_group_id = 12 }
  }
  vrrp_network         = { id = "1002", ip_range = "10.254.0.0/24" }
  server_type          = "cx23"
  admin_user           = "ops"
  admin_ssh_public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHRhbmRlbXRlc3RrZXl0YW5kZW10ZXN0a2V5MDAw ops@test"
}

run "one_lb_per_zone_on_the_vrrp_network" {
  assert {
    condition     = join(",", sort(keys(output.hosts))) == "lb-a,lb-b"
    error_message = "Expected lb-a and lb-b."
  }
  assert {
    condition     = output.hosts["lb-a"].vrrp_address == "10.254.0.2" && output.hosts["lb-b"].vrrp_address == "10.254.0.3"
    error_message = "Each LB must have its own address on the VRRP network."
  }
  assert {
    condition     = alltrue([for attachment in hcloud_server_network.vrrp : attachment.network_id == 1002])
    error_message = "Both LBs must be attached to the VRRP network."
  }
}

run "floating_ip_on_the_pair" {
  assert {
    condition     = hcloud_floating_ip.vip.type == "ipv4" && hcloud_floating_ip.vip.home_location == "fsn1"
    error_message = "The VIP is an IPv4 floating IP homed in the first zone's location."
  }
  assert {
    condition     = hcloud_floating_ip.vip.server_id == tonumber(output.hosts["lb-a"].id)
    error_message = "The VIP starts on the first zone's LB."
  }
  assert {
    condition     = output.floating_ip.address == "198.51.100.7"
    error_message = "The floating IP's address is an output."
  }
}

run "bad_name_prefix_refused" {
  command = plan
  variables { name_prefix = "" }
  expect_failures = [var.name_prefix]
}

run "one_location_refused" {
  command = plan
  variables {
    zones = {
      a = { location = "fsn1", subnet_id = "1", subnet_cidr = "10.20.1.0/24", placement_group_id = 11 }
      b = { location = "fsn1", subnet_id = "2", subnet_cidr = "10.20.2.0/24", placement_group_id = 12 }
    }
  }
  expect_failures = [var.zones]
}

run "bad_vrrp_network_refused" {
  command = plan
  variables { vrrp_network = { id = "1002", ip_range = "lb-sync" } }
  expect_failures = [var.vrrp_network]
}

run "host_number_out_of_range_refused" {
  command = plan
  variables { host_number = 250 }
  expect_failures = [var.host_number]
}
