mock_provider "hcloud" {
  mock_resource "hcloud_placement_group" {
    defaults = { id = "11" }
  }
}

variables {
  name_prefix = "test"
  zones       = ["a", "b"]
}

run "one_spread_group_per_zone" {
  assert {
    condition     = length(hcloud_placement_group.this) == 2 && alltrue([for group in hcloud_placement_group.this : group.type == "spread"])
    error_message = "Expected one spread placement group per zone."
  }
  assert {
    condition     = hcloud_placement_group.this["b"].name == "test-b" && hcloud_placement_group.this["b"].labels["tandem-zone"] == "b"
    error_message = "A zone's group is named and labelled after the zone."
  }
}

run "bad_name_prefix_refused" {
  command = plan
  variables { name_prefix = "-x" }
  expect_failures = [var.name_prefix]
}

run "bad_zone_key_refused" {
  command = plan
  variables { zones = ["A"] }
  expect_failures = [var.zones]
}
