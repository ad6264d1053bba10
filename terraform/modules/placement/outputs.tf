output "ids" {
  description = "Placement group ID by zone key."
  value       = { for zone, group in hcloud_placement_group.this : zone => tonumber(group.id) }
}
