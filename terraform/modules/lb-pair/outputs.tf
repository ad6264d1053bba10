output "hosts" {
  description = "The two LBs (as modules/hosts) with their address on the VRRP network."
  value = {
    for name, host in module.servers.hosts : name => merge(host, {
      vrrp_address = hcloud_server_network.vrrp[name].ip
    })
  }
}

output "floating_ip" {
  description = "The public VIP: its ID, address, home location and the server it was first assigned to."
  value = {
    id            = hcloud_floating_ip.vip.id
    address       = hcloud_floating_ip.vip.ip_address
    home_location = hcloud_floating_ip.vip.home_location
    server_id     = hcloud_floating_ip.vip.server_id
  }
}
