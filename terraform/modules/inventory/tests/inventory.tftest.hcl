# No provider at all: the contract document only.
variables {
  name = "test"
  vip  = { address = "198.51.100.7", prefix = 32, network = "public", vrrp_network = "lb-sync" }
  networks = {
    admin   = { cidr = "10.20.255.0/24" }
    zone-a  = { cidr = "10.20.1.0/24", zone = "a" }
    public  = { cidr = "0.0.0.0/0" }
    lb-sync = { cidr = "10.254.0.0/24" }
  }
  ssh                             = { user = "ops", private_key_file = "/k/id_ed25519", known_hosts_file = "/k/known_hosts" }
  release_signing_key_fingerprint = "0123456789ABCDEF0123456789ABCDEF01234567"
  hosts = [
    { name = "lb-a", zone = "a", groups = ["lb"], address = "10.20.1.2", interfaces = [
      { name = "enp7s0", network = "zone-a", address = "10.20.1.2", prefix = 24 },
      { name = "eth0", network = "public", address = "203.0.113.10", prefix = 32 },
      { name = "enp8s0", network = "lb-sync", address = "10.254.0.2", prefix = 24 },
    ] },
    { name = "app-a1", zone = "a", groups = ["app"], address = "10.20.1.11", interfaces = [
      { name = "enp7s0", network = "zone-a", address = "10.20.1.11", prefix = 24 },
    ] },
  ]
}

run "the_contract_document" {
  assert {
    condition     = output.environment.schema == "tandem.environment/v1" && output.environment.provider == "terraform"
    error_message = "schema and provider are fixed."
  }
  assert {
    condition     = [for host in output.environment.hosts : host.name] == ["app-a1", "lb-a"]
    error_message = "Hosts are sorted by name."
  }
  assert {
    condition     = output.environment.ssh.common_args == "-o StrictHostKeyChecking=yes -o UserKnownHostsFile=/k/known_hosts"
    error_message = "ssh must verify host keys against the known_hosts file."
  }
  assert {
    condition     = !contains(keys(output.environment.networks["lb-sync"]), "gateway") && keys(output.environment.networks["zone-a"]) == ["cidr", "zone"]
    error_message = "Unset optional fields are left out."
  }
  assert {
    condition     = length(output.environment.egress) == 0
    error_message = "Without var.egress the document's egress is an empty list."
  }
  assert {
    condition     = output.environment_json == jsonencode(output.environment)
    error_message = "The JSON output is the document."
  }
}

run "vrrp_network_with_gateway_refused" {
  command = plan
  variables {
    networks = {
      admin   = { cidr = "10.20.255.0/24" }
      zone-a  = { cidr = "10.20.1.0/24", zone = "a" }
      public  = { cidr = "0.0.0.0/0" }
      lb-sync = { cidr = "10.254.0.0/24", gateway = "10.254.0.1" }
    }
  }
  expect_failures = [output.environment]
}

run "bad_name_refused" {
  command = plan
  variables { name = "Prod" }
  expect_failures = [var.name]
}

run "bad_vip_prefix_refused" {
  command = plan
  variables { vip = { address = "198.51.100.7", prefix = 33, network = "public", vrrp_network = "lb-sync" } }
  expect_failures = [var.vip]
}

run "networks_without_admin_refused" {
  command = plan
  variables { networks = { public = { cidr = "0.0.0.0/0" } } }
  expect_failures = [var.networks]
}

run "root_login_refused" {
  command = plan
  variables { ssh = { user = "root", private_key_file = "/k/id_ed25519", known_hosts_file = "/k/known_hosts" } }
  expect_failures = [var.ssh]
}

run "bad_fingerprint_refused" {
  command = plan
  variables { release_signing_key_fingerprint = "0123456789abcdef" }
  expect_failures = [var.release_signing_key_fingerprint]
}

run "duplicate_host_refused" {
  command = plan
  variables {
    hosts = [
      { name = "app-a1", zone = "a", groups = ["app"], address = "10.20.1.11", interfaces = [] },
      { name = "app-a1", zone = "a", groups = ["app"], address = "10.20.1.12", interfaces = [] },
    ]
  }
  expect_failures = [var.hosts]
}

run "egress_is_passed_through" {
  variables {
    egress = [{ name = "dns-udp", cidrs = ["192.0.2.53/32"], proto = "udp", ports = [53], groups = ["all"] }]
  }
  assert {
    condition     = output.environment.egress[0].name == "dns-udp" && jsonencode(output.environment.egress[0].ports) == "[53]"
    error_message = "The egress entries are the document's egress."
  }
}

run "egress_with_bad_proto_refused" {
  command = plan
  variables {
    egress = [{ name = "dns", cidrs = ["192.0.2.53/32"], proto = "icmp", ports = [53], groups = ["all"] }]
  }
  expect_failures = [var.egress]
}
