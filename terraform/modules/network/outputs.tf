output "id" {
  description = "ID of the network."
  value       = hcloud_network.this.id
}

output "ip_range" {
  description = "The network's IPv4 range."
  value       = hcloud_network.this.ip_range
}

output "subnets" {
  description = "Subnets by name: their ID and CIDR."
  value       = { for name, subnet in hcloud_network_subnet.this : name => { id = subnet.id, ip_range = subnet.ip_range } }
}
