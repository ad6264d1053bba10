output "environment" {
  description = "The inventory contract's document (docs/inventory-contract.md) as an object."
  value       = module.inventory.environment
}

output "environment_json" {
  description = "The inventory contract's document as JSON, for TANDEM_ENV_FILE."
  value       = module.inventory.environment_json
}

output "floating_ip" {
  description = "The public VIP: ID, address, home location, first server (the notify script moves it later)."
  value       = module.lb_pair.floating_ip
}

output "firewall_rules" {
  description = "The cloud firewalls' inbound rules by host group."
  value       = module.firewall.rules
}

output "server_ids" {
  description = "Server ID by host name (the floating-IP mover finds its own through the metadata service)."
  value       = { for host, value in merge(module.lb_pair.hosts, module.hosts["app"].hosts, module.hosts["obs"].hosts) : host => value.id }
}

output "admin_cidr" {
  description = "The admin subnet: the controller (a CI runner or bastion attached to the network) must have its address here."
  value       = local.admin_cidr
}
