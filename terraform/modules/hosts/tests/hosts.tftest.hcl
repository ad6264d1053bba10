mock_provider "hcloud" {
  mock_resource "hcloud_server" {
    defaults = { id = "2001", ipv4_address = "203.0.113.10" }
  }
}

variables {
  name_prefix    = "test"
  group          = "app"
  count_per_zone = 2
  zones = {
    a = { location = "fsn1", subnet_id = "1001-10.20.1.0/24", subnet_cidr = "10.20.1.0/24", placement_group_id = 11 }
    b = { location = "nbg1", subnet_id = "1001-10.20.2.0/24", subnet_cidr = "10.20.2.0/24", placement_group_id = 12 }
  }
  host_number          = 11
  server_type          = "cx23"
  admin_user           = "ops"
  admin_ssh_public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHRhbmRlbXRlc3RrZXl0YW5kZW10ZXN0a2V5MDAw ops@test"
  firewall_ids         = [31]
}

run "hosts_per_zone" {
  assert {
    condition     = join(",", sort(keys(hcloud_server.this))) == "app-a1,app-a2,app-b1,app-b2"
    error_message = "Expected two hosts per zone, named like the lab's."
  }
  assert {
    condition = alltrue([
      for name, server in hcloud_server.this :
      server.location == var.zones[substr(name, 4, 1)].location && server.placement_group_id == var.zones[substr(name, 4, 1)].placement_group_id
    ])
    error_message = "Each host must be in its zone's location and spread group."
  }
  assert {
    condition     = output.hosts["app-a2"].address == "10.20.1.12" && output.hosts["app-b1"].address == "10.20.2.11"
    error_message = "Private addresses start at host_number in each zone subnet."
  }
  assert {
    condition     = alltrue([for server in hcloud_server.this : server.firewall_ids == toset([31]) && server.name == "test-${server.labels["tandem-host"]}"])
    error_message = "Every host gets the group's firewall and an environment-prefixed cloud name."
  }
}

run "cloud_init_is_the_admin_user_only" {
  assert {
    condition     = join(",", sort(keys(yamldecode(hcloud_server.this["app-a1"].user_data)))) == "disable_root,ssh_genkeytypes,ssh_pwauth,users"
    error_message = "cloud-init must do nothing but the admin user and SSH."
  }
  assert {
    condition = (
      yamldecode(hcloud_server.this["app-a1"].user_data).users[0].name == "ops" &&
      one(yamldecode(hcloud_server.this["app-a1"].user_data).users[0].ssh_authorized_keys) == var.admin_ssh_public_key &&
      yamldecode(hcloud_server.this["app-a1"].user_data).ssh_pwauth == false
    )
    error_message = "cloud-init must create the admin user with its key and no password login."
  }
}

run "one_host_per_zone_is_not_numbered" {
  variables {
    group          = "obs"
    numbered       = false
    count_per_zone = 1
    host_number    = 20
  }
  assert {
    condition     = join(",", sort(keys(output.hosts))) == "obs-a,obs-b" && output.hosts["obs-b"].address == "10.20.2.20"
    error_message = "One host per zone is named <group>-<zone>."
  }
}

run "several_unnumbered_hosts_refused" {
  command = plan
  variables { numbered = false }
  expect_failures = [hcloud_server.this]
}

run "bad_name_prefix_refused" {
  command = plan
  variables { name_prefix = "Test" }
  expect_failures = [var.name_prefix]
}

run "unknown_group_refused" {
  command = plan
  variables { group = "db" }
  expect_failures = [var.group]
}

run "too_many_per_zone_refused" {
  command = plan
  variables { count_per_zone = 10 }
  expect_failures = [var.count_per_zone]
}

run "bad_subnet_cidr_refused" {
  command = plan
  variables {
    zones = { a = { location = "fsn1", subnet_id = "1", subnet_cidr = "10.20.1.0", placement_group_id = 11 } }
  }
  expect_failures = [var.zones]
}

run "host_number_out_of_range_refused" {
  command = plan
  variables { host_number = 1 }
  expect_failures = [var.host_number]
}

run "bad_server_type_refused" {
  command = plan
  variables { server_type = "m5.large" }
  expect_failures = [var.server_type]
}

run "other_image_refused" {
  command = plan
  variables { image = "ubuntu-24.04" }
  expect_failures = [var.image]
}

run "root_admin_refused" {
  command = plan
  variables { admin_user = "root" }
  expect_failures = [var.admin_user]
}

run "rsa_key_refused" {
  command = plan
  variables { admin_ssh_public_key = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC ops@test" }
  expect_failures = [var.admin_ssh_public_key]
}
