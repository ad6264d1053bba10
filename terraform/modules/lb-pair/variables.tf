variable "name_prefix" {
  description = "Prefix of the cloud names (environment name)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,30}$", var.name_prefix))
    error_message = "name_prefix must be lower case letters, digits and dashes, starting with a letter."
  }
}

variable "zones" {
  description = "Exactly two zones (key → location, subnet, placement group): one load balancer each."
  type = map(object({
    location           = string
    subnet_id          = string
    subnet_cidr        = string
    placement_group_id = number
  }))

  validation {
    condition     = length(var.zones) == 2 && length(distinct([for zone in values(var.zones) : zone.location])) == 2
    error_message = "zones must hold exactly two zones in two different locations: the pair must survive a location."
  }
}

variable "vrrp_network" {
  description = "The private network VRRP runs on (only the two LBs are attached): its ID and CIDR."
  type = object({
    id       = string
    ip_range = string
  })

  validation {
    condition     = can(cidrhost(var.vrrp_network.ip_range, 0))
    error_message = "vrrp_network.ip_range must be a CIDR such as 10.254.0.0/24."
  }
}

variable "host_number" {
  description = "Host part of the LBs' private addresses in their zone subnet and of the first LB on the VRRP network."
  type        = number
  default     = 2

  validation {
    condition     = var.host_number >= 2 && var.host_number <= 240
    error_message = "host_number must be between 2 and 240."
  }
}

variable "server_type" {
  description = "Hetzner server type of the load balancers."
  type        = string
}

variable "admin_user" {
  description = "The admin user cloud-init creates (see modules/hosts)."
  type        = string
}

variable "admin_ssh_public_key" {
  description = "The admin user's ed25519 public key (see modules/hosts)."
  type        = string
}

variable "ssh_key_ids" {
  description = "Hetzner SSH key IDs given at creation."
  type        = list(string)
  default     = []
}

variable "firewall_ids" {
  description = "Cloud firewalls of the load balancers' public interface."
  type        = list(number)
  default     = []
}

variable "protect" {
  description = "Delete and rebuild protection of the servers and the floating IP (production)."
  type        = bool
  default     = false
}

variable "labels" {
  description = "Labels put on the servers and the floating IP."
  type        = map(string)
  default     = {}
}
