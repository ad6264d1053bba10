variable "environment" {
  description = "Environment name: prefix of every cloud name, the inventory's name."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,20}$", var.environment))
    error_message = "environment must be lower case letters, digits and dashes, starting with a letter (at most 21)."
  }
}

variable "zones" {
  description = "The two zones: key (a, b) → Hetzner location. Two different locations of one network zone."
  type        = map(string)

  validation {
    condition = (
      length(var.zones) == 2 && length(distinct(values(var.zones))) == 2 &&
      alltrue([for key in keys(var.zones) : can(regex("^[a-z]$", key))])
    )
    error_message = "zones must map two one-letter keys (a, b) to two different locations."
  }

  validation {
    condition     = alltrue([for location in values(var.zones) : contains(["fsn1", "nbg1", "hel1", "ash", "hil", "sin"], location)])
    error_message = "Each zone's location must be a Hetzner Cloud location: fsn1, nbg1, hel1, ash, hil or sin."
  }
}

variable "network_zone" {
  description = "Hetzner network zone holding both locations (eu-central: fsn1, nbg1, hel1)."
  type        = string
  default     = "eu-central"
}

variable "ip_range" {
  description = "The hosts' private network, a /16: zone subnets are its /24s 1, 2, …; the admin subnet its /24 number 255."
  type        = string
  default     = "10.20.0.0/16"

  validation {
    condition     = can(cidrhost(var.ip_range, 0)) && endswith(var.ip_range, "/16")
    error_message = "ip_range must be a /16, for example 10.20.0.0/16."
  }
}

variable "vrrp_ip_range" {
  description = "The load balancers' private VRRP network (a network of its own, only the two LBs on it)."
  type        = string
  default     = "10.254.0.0/24"

  validation {
    condition     = can(cidrhost(var.vrrp_ip_range, 0))
    error_message = "vrrp_ip_range must be a CIDR, for example 10.254.0.0/24."
  }
}

variable "sizes" {
  description = "Server types per group and app hosts per zone."
  type = object({
    lb_server_type     = string
    app_server_type    = string
    app_count_per_zone = number
    obs_server_type    = string
  })
}

variable "admin_user" {
  description = "The admin user cloud-init creates and Ansible logs in as."
  type        = string
  default     = "ops"
}

variable "admin_ssh_public_key" {
  description = "The admin user's ed25519 public key."
  type        = string
}

variable "ssh_private_key_file" {
  description = "Path of the admin's private key on the controller (inventory contract ssh.private_key_file)."
  type        = string
}

variable "known_hosts_file" {
  description = "Path of the known_hosts file on the controller holding every host's key (ssh.known_hosts_file)."
  type        = string
}

variable "release_signing_key_fingerprint" {
  description = "Fingerprint of the pipeline's release signing key the hosts trust (inventory contract release)."
  type        = string
}

variable "interface_names" {
  description = "Kernel names of a server's interfaces: public, first private network (zone), second (VRRP). Check on a first host."
  type = object({
    public = string
    zone   = string
    vrrp   = string
  })
  default = { public = "eth0", zone = "enp7s0", vrrp = "enp8s0" }
}

variable "protect" {
  description = "Delete and rebuild protection on servers and the floating IP."
  type        = bool
  default     = false
}

variable "dns_resolvers" {
  description = "The recursive DNS resolvers the hosts use (egress udp and tcp 53), as /32 CIDRs. Default: the resolvers Hetzner runs for servers in its network (docs.hetzner.com/networking/dns/faq/nameservers points to their list); check a first host's resolv.conf."
  type        = list(string)
  default     = ["185.12.64.1/32", "185.12.64.2/32"]

  validation {
    condition     = length(var.dns_resolvers) > 0 && alltrue([for cidr in var.dns_resolvers : can(cidrnetmask(cidr))])
    error_message = "dns_resolvers must be a non-empty list of IPv4 CIDRs, for example 185.12.64.1/32."
  }
}

variable "debian_mirror_cidrs" {
  description = "Where the hosts may fetch Debian packages (egress tcp 80 and 443). The mirrors are names whose addresses change, so the default is every IPv4 address; narrow it to a proxy or a mirror of your own."
  type        = list(string)
  default     = ["0.0.0.0/0"]

  validation {
    condition     = length(var.debian_mirror_cidrs) > 0 && alltrue([for cidr in var.debian_mirror_cidrs : can(cidrnetmask(cidr))])
    error_message = "debian_mirror_cidrs must be a non-empty list of IPv4 CIDRs, for example 0.0.0.0/0."
  }
}
