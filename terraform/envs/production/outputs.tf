output "environment" {
  description = "The inventory contract's document as an object."
  value       = module.platform.environment
}

output "environment_json" {
  description = "The inventory contract's document: tofu output -raw environment_json > environment.json; TANDEM_ENV_FILE=environment.json."
  value       = module.platform.environment_json
}

output "floating_ip" {
  description = "The public VIP (ID and address)."
  value       = module.platform.floating_ip
}

output "server_ids" {
  description = "Server ID by host name."
  value       = module.platform.server_ids
}

output "admin_cidr" {
  description = "The admin subnet the controller must be in."
  value       = module.platform.admin_cidr
}
