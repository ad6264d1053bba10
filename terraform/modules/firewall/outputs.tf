output "ids" {
  description = "Firewall ID by host group."
  value       = { for group, firewall in hcloud_firewall.this : group => tonumber(firewall.id) }
}

output "rules" {
  description = "The inbound rules of each group's firewall, as computed from the policy."
  value       = local.rules
}
