output "hosts" {
  description = "Host name → server ID, zone, public IPv4 and private address in its zone subnet."
  value = {
    for name, host in local.hosts : name => {
      id             = hcloud_server.this[name].id
      zone           = host.zone
      public_address = hcloud_server.this[name].ipv4_address
      address        = hcloud_server_network.zone[name].ip
      subnet_cidr    = var.zones[host.zone].subnet_cidr
    }
  }
}
