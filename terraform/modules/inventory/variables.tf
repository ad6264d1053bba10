variable "name" {
  description = "Environment name (staging, production)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*$", var.name))
    error_message = "name must be lower case letters, digits and dashes, starting with a letter."
  }
}

variable "vip" {
  description = "The public VIP: address, prefix length, its network and the private network VRRP runs on."
  type = object({
    address      = string
    prefix       = number
    network      = string
    vrrp_network = string
  })

  validation {
    condition     = var.vip.prefix >= 0 && var.vip.prefix <= 32
    error_message = "vip.prefix must be a prefix length from 0 to 32."
  }
}

variable "networks" {
  description = "Every network by name: CIDR, optional gateway, and the zone of a zone network. Must include admin."
  type = map(object({
    cidr    = string
    gateway = optional(string)
    zone    = optional(string)
  }))

  validation {
    condition     = contains(keys(var.networks), "admin") && alltrue([for net in values(var.networks) : can(cidrhost(net.cidr, 0))])
    error_message = "networks must include admin, and every cidr must be a CIDR."
  }
}

variable "ssh" {
  description = "How Ansible logs in: the admin user (never root), its private key and the known_hosts file on the controller."
  type = object({
    user             = string
    private_key_file = string
    known_hosts_file = string
  })

  validation {
    condition     = var.ssh.user != "root" && var.ssh.private_key_file != "" && var.ssh.known_hosts_file != ""
    error_message = "ssh.user must not be root (sshd refuses it), and both files must be named."
  }
}

variable "release_signing_key_fingerprint" {
  description = "OpenPGP fingerprint of the release signing key the hosts trust (the pipeline's key): 40 upper-case hex digits."
  type        = string

  validation {
    condition     = can(regex("^[0-9A-F]{40}$", var.release_signing_key_fingerprint))
    error_message = "release_signing_key_fingerprint must be 40 upper-case hex digits (gpg --with-colons: the fpr line)."
  }
}

variable "hosts" {
  description = "Every host: name, zone, Ansible groups, management address and interfaces (kernel name, network, address, prefix)."
  type = list(object({
    name    = string
    zone    = string
    groups  = list(string)
    address = string
    interfaces = list(object({
      name    = string
      network = string
      address = string
      prefix  = number
    }))
  }))

  validation {
    condition     = length(var.hosts) > 0 && length(distinct([for host in var.hosts : host.name])) == length(var.hosts)
    error_message = "hosts must not be empty, and host names must be unique."
  }
}

variable "egress" {
  description = "What hosts may send beyond the environment (contract egress): per entry a short name, destination CIDRs, proto (tcp, udp), port numbers and the host groups it applies to (all, lb, app, obs). The firewall role renders each into the output chain."
  type = list(object({
    name   = string
    cidrs  = list(string)
    proto  = string
    ports  = list(number)
    groups = list(string)
  }))
  default = []

  validation {
    condition = alltrue([
      for entry in var.egress :
      can(regex("^[a-z][a-z0-9-]*$", entry.name)) && contains(["tcp", "udp"], entry.proto) &&
      length(entry.cidrs) > 0 && alltrue([for cidr in entry.cidrs : can(cidrnetmask(cidr))]) &&
      length(entry.ports) > 0 && alltrue([for port in entry.ports : port == floor(port) && port >= 1 && port <= 65535]) &&
      length(entry.groups) > 0 && alltrue([for group in entry.groups : contains(["all", "lb", "app", "obs"], group)])
    ]) && length(distinct([for entry in var.egress : entry.name])) == length(var.egress)
    error_message = "Each egress entry needs a unique lower-case name, IPv4 CIDRs, proto tcp or udp, ports 1-65535 and groups of all, lb, app, obs."
  }
}
