# Each environment against a mock provider: no cloud, no token, the real provider schema. Run from
# an environment's directory: tofu test -test-directory=../tests (tests/terraform does). What differs
# between them is pinned by their own tests/expected-environment.json.
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
  admin_ssh_public_key            = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHRhbmRlbXRlc3RrZXl0YW5kZW10ZXN0a2V5MDAw ops@test"
  ssh_private_key_file            = "/srv/tandem/ssh/id_ed25519"
  known_hosts_file                = "/srv/tandem/ssh/known_hosts"
  release_signing_key_fingerprint = "0123456789ABCDEF0123456789ABCDEF01234567"
}

run "two_zones" {
  assert {
    condition     = toset([for host in output.environment.hosts : host.zone]) == toset(["a", "b"])
    error_message = "Every host is in zone a or b, and both zones have hosts."
  }
  assert {
    condition     = output.environment.networks["zone-a"].zone == "a" && output.environment.networks["zone-b"].zone == "b"
    error_message = "Each zone has its own network."
  }
}

run "hosts_per_zone" {
  assert {
    condition = alltrue([
      for zone in ["a", "b"] :
      length([for host in output.environment.hosts : host if host.zone == zone && contains(host.groups, "lb")]) == 1 &&
      length([for host in output.environment.hosts : host if host.zone == zone && contains(host.groups, "obs")]) == 1
    ])
    error_message = "Each zone needs exactly one LB and one obs host."
  }
  assert {
    condition = (
      length([for host in output.environment.hosts : host if host.zone == "a" && contains(host.groups, "app")]) ==
      length([for host in output.environment.hosts : host if host.zone == "b" && contains(host.groups, "app")]) &&
      length([for host in output.environment.hosts : host if contains(host.groups, "app")]) >= 2
    )
    error_message = "Both zones need the same number of app hosts, at least one each: either can serve alone."
  }
  assert {
    condition = (
      [for host in output.environment.hosts : "${host.zone}/${host.groups[0]}"] ==
      [for host in jsondecode(file("tests/expected-environment.json")).hosts : "${host.zone}/${host.groups[0]}"]
    )
    error_message = "The hosts per zone and group differ from this environment's tests/expected-environment.json."
  }
}

run "floating_ip_on_the_lb_pair" {
  assert {
    condition     = output.floating_ip.server_id == tonumber(output.server_ids["lb-a"]) && output.environment.vip.address == output.floating_ip.address
    error_message = "The VIP is the floating IP, first on lb-a."
  }
  assert {
    condition = alltrue([
      for host in output.environment.hosts :
      contains(host.groups, "lb") == (length([for itf in host.interfaces : itf if itf.network == "lb-sync"]) == 1)
    ])
    error_message = "Only the LBs are on the VRRP network, each once."
  }
}

run "cloud_firewalls_are_the_policy" {
  assert {
    condition     = join(",", sort([for rule in module.platform.firewall_rules.lb : rule.port])) == "443,80"
    error_message = "The LBs' cloud firewall opens 80 and 443 only."
  }
  assert {
    condition     = length(module.platform.firewall_rules.app) == 0 && length(module.platform.firewall_rules.obs) == 0
    error_message = "Nothing is open to the internet on app and obs hosts."
  }
}

run "output_is_the_contract_document" {
  # tests/expected-environment.json is validated against docs/schemas/environment.schema.json
  # and the inventory script's checks by tests/terraform/test_offline_terraform.py.
  assert {
    condition     = jsondecode(output.environment_json) == jsondecode(file("tests/expected-environment.json"))
    error_message = "The environment output differs from tests/expected-environment.json."
  }
}
