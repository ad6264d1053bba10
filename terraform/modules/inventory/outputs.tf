output "environment" {
  description = "The environment description (inventory contract) as an object."
  value       = local.environment

  precondition {
    condition     = contains(keys(var.networks), var.vip.network) && contains(keys(var.networks), var.vip.vrrp_network)
    error_message = "vip.network and vip.vrrp_network must name networks of var.networks."
  }
  precondition {
    condition     = var.networks[var.vip.vrrp_network].gateway == null
    error_message = "The VRRP network must have no gateway: nothing outside it may send there."
  }
  precondition {
    condition     = alltrue(flatten([for host in var.hosts : [for itf in host.interfaces : contains(keys(var.networks), itf.network)]]))
    error_message = "Every interface must be on a network of var.networks."
  }
}

output "environment_json" {
  description = "The environment description as JSON: write it to a file and point TANDEM_ENV_FILE at it."
  value       = jsonencode(local.environment)
}
