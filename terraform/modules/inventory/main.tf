# The inventory contract (docs/inventory-contract.md, docs/schemas/environment.schema.json): the
# same document the lab writes, so ansible/ runs unchanged against either.
locals {
  networks = {
    for name, net in var.networks : name => { for key, value in net : key => value if value != null }
  }

  environment = {
    schema   = "tandem.environment/v1"
    name     = var.name
    provider = "terraform"
    vip      = var.vip
    networks = local.networks
    ssh = {
      user             = var.ssh.user
      private_key_file = var.ssh.private_key_file
      known_hosts_file = var.ssh.known_hosts_file
      common_args      = "-o StrictHostKeyChecking=yes -o UserKnownHostsFile=${var.ssh.known_hosts_file}"
    }
    release = { signing_key_fingerprint = var.release_signing_key_fingerprint }
    egress  = var.egress
    hosts   = [for name in sort([for host in var.hosts : host.name]) : one([for host in var.hosts : host if host.name == name])]
  }
}
