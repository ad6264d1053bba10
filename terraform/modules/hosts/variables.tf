variable "name_prefix" {
  description = "Prefix of the servers' cloud names (environment name); host names stay lab-like (app-a1)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,30}$", var.name_prefix))
    error_message = "name_prefix must be lower case letters, digits and dashes, starting with a letter."
  }
}

variable "group" {
  description = "Ansible group of these hosts (inventory contract): lb, app or obs."
  type        = string

  validation {
    condition     = contains(["lb", "app", "obs"], var.group)
    error_message = "group must be lb, app or obs."
  }
}

variable "numbered" {
  description = "Number the hosts (app-a1, app-a2, …) or name the one host of each zone <group>-<zone> (lb-a, obs-b). Numbered names survive scaling: no host is renamed, so none is replaced."
  type        = bool
  default     = true
}

variable "count_per_zone" {
  description = "Hosts per zone (exactly 1 when not numbered)."
  type        = number
  default     = 1

  validation {
    condition     = var.count_per_zone >= 1 && var.count_per_zone <= 9 && floor(var.count_per_zone) == var.count_per_zone
    error_message = "count_per_zone must be a whole number from 1 to 9 (a spread placement group holds 10 servers)."
  }
}

variable "zones" {
  description = "Zone key → Hetzner location, subnet (ID and CIDR) and spread placement group of that zone."
  type = map(object({
    location           = string
    subnet_id          = string
    subnet_cidr        = string
    placement_group_id = number
  }))

  validation {
    condition     = length(var.zones) > 0 && alltrue([for zone in values(var.zones) : can(cidrhost(zone.subnet_cidr, 0))])
    error_message = "zones must hold at least one zone, each with a subnet_cidr such as 10.20.1.0/24."
  }
}

variable "host_number" {
  description = "Host part of the first host's private address in its zone subnet (the next hosts follow)."
  type        = number

  validation {
    condition     = var.host_number >= 2 && var.host_number <= 240
    error_message = "host_number must be between 2 and 240 (.1 belongs to the network, the top of the range stays free)."
  }
}

variable "server_type" {
  description = "Hetzner server type, for example cx23 or cpx32."
  type        = string

  validation {
    condition     = can(regex("^c[a-z]{1,3}[0-9]{2,3}$", var.server_type))
    error_message = "server_type must be a Hetzner server type name such as cx23, cpx32 or ccx23."
  }
}

variable "image" {
  description = "Image of the first boot: the OS the Ansible roles expect."
  type        = string
  default     = "debian-12"

  validation {
    condition     = var.image == "debian-12"
    error_message = "image must be debian-12: the roles pin Debian bookworm packages."
  }
}

variable "admin_user" {
  description = "The admin user cloud-init creates (passwordless sudo, key only); Ansible logs in as this user."
  type        = string

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_-]{0,31}$", var.admin_user)) && var.admin_user != "root"
    error_message = "admin_user must be a user name other than root."
  }
}

variable "admin_ssh_public_key" {
  description = "The admin user's SSH public key (ed25519, the only algorithm sshd accepts after hardening)."
  type        = string

  validation {
    condition     = can(regex("^ssh-ed25519 [A-Za-z0-9+/=]+( [^\\n]*)?$", var.admin_ssh_public_key))
    error_message = "admin_ssh_public_key must be one ssh-ed25519 public key line."
  }
}

variable "ssh_key_ids" {
  description = "Hetzner SSH key IDs given at creation (so no root password is mailed); cloud-init disables root login."
  type        = list(string)
  default     = []
}

variable "firewall_ids" {
  description = "Cloud firewalls applied to these servers' public interface."
  type        = list(number)
  default     = []
}

variable "protect" {
  description = "Turn on Hetzner's delete and rebuild protection (production)."
  type        = bool
  default     = false
}

variable "labels" {
  description = "Labels put on every server (plus tandem-group and tandem-zone)."
  type        = map(string)
  default     = {}
}
