# Mock provider: no cloud, no token; the real tofu and the real provider's schema.
mock_provider "hcloud" {
  mock_resource "hcloud_network" {
    defaults = { id = "1001" }
  }
}

variables {
  name     = "test"
  ip_range = "10.20.0.0/16"
  subnets  = { zone-a = "10.20.1.0/24", zone-b = "10.20.2.0/24", admin = "10.20.255.0/24" }
}

run "subnets_in_the_network" {
  assert {
    condition     = length(hcloud_network_subnet.this) == 3 && output.subnets["zone-b"].ip_range == "10.20.2.0/24"
    error_message = "Expected the three subnets as given."
  }
  assert {
    condition     = alltrue([for subnet in hcloud_network_subnet.this : subnet.network_id == 1001 && subnet.network_zone == "eu-central" && subnet.type == "cloud"])
    error_message = "Every subnet must be a cloud subnet of this network in eu-central."
  }
}

run "subnet_outside_the_range_refused" {
  command = plan
  variables { subnets = { stray = "10.99.1.0/24" } }
  expect_failures = [hcloud_network_subnet.this]
}

run "bad_name_refused" {
  command = plan
  variables { name = "Not_A_Name" }
  expect_failures = [var.name]
}

run "public_range_refused" {
  command = plan
  variables { ip_range = "8.8.0.0/16" }
  expect_failures = [var.ip_range]
}

run "unknown_network_zone_refused" {
  command = plan
  variables { network_zone = "eu-west" }
  expect_failures = [var.network_zone]
}

run "bad_subnet_refused" {
  command = plan
  variables { subnets = { zone-a = "10.20.1.0" } }
  expect_failures = [var.subnets]
}
