variable "name_prefix" {
  description = "Prefix of the firewalls' names (the group is appended)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,40}$", var.name_prefix))
    error_message = "name_prefix must be lower case letters, digits and dashes, starting with a letter."
  }
}

variable "policy" {
  description = "The platform's firewall policy (tandem_firewall_policy of ansible/group_vars/all/firewall_policy.yml, yamldecoded): inbound rules of to, from, proto, port names and the nftables-only refinements; outbound rules, which only the hosts enforce."
  type = object({
    inbound = list(object({
      to    = string
      from  = string
      proto = string
      ports = optional(list(string), [])
      # What only nftables can say (the cloud firewall sees none of it): conntrack state, the VIP
      # as the only destination, a listening socket, the VRRP interface, a rate.
      ct_state  = optional(string, "new")
      daddr     = optional(string)
      listening = optional(bool, false)
      via       = optional(string)
      rate      = optional(string)
    }))
    outbound = optional(list(object({
      from  = string
      to    = string
      proto = string
      ports = list(string)
    })), [])
  })

  validation {
    condition = alltrue([
      for rule in var.policy.inbound :
      contains(["lb", "app", "obs", "all"], rule.to) &&
      contains(["any", "admin", "hosts", "lb", "app", "obs"], rule.from) &&
      contains(["tcp", "udp", "icmp", "vrrp"], rule.proto) &&
      (contains(["tcp", "udp"], rule.proto) ? length(rule.ports) > 0 : length(rule.ports) == 0)
    ])
    error_message = "Each policy rule needs to in lb/app/obs/all, from in any/admin/hosts/lb/app/obs, proto in tcp/udp/icmp/vrrp, and ports exactly when proto is tcp or udp."
  }

  # The refinements the hosts' nftables rules carry (ansible/roles/firewall): checked here too, so
  # that a typo in the shared file fails the plan as well as the converge.
  validation {
    condition = alltrue([
      for rule in var.policy.inbound :
      contains(["new", "any"], rule.ct_state) &&
      contains(["vip"], coalesce(rule.daddr, "vip")) &&
      contains(["vrrp"], coalesce(rule.via, "vrrp")) &&
      can(regex("^[0-9]+/(second|minute|hour|day)$", coalesce(rule.rate, "1/second")))
    ])
    error_message = "In a policy rule, ct_state is new or any, daddr can only be vip, via only vrrp, and rate is like 10/second."
  }
}

variable "ports" {
  description = "Port numbers by name (tandem_ports of ansible/group_vars/all/ports.yml)."
  type        = map(number)

  validation {
    condition     = alltrue([for port in values(var.ports) : port >= 1 && port <= 65535 && floor(port) == port])
    error_message = "Every port must be a whole number from 1 to 65535."
  }
}

variable "public_sources" {
  description = "Policy sources that reach the hosts' public interface, with their CIDRs. Only `any` (the internet) does: admin, hosts and the groups talk over the private networks, which cloud firewalls do not see."
  type        = map(list(string))
  default     = { any = ["0.0.0.0/0", "::/0"] }

  validation {
    condition = alltrue([
      for source, cidrs in var.public_sources :
      contains(["any", "admin"], source) && length(cidrs) > 0 && alltrue([for cidr in cidrs : can(cidrhost(cidr, 0))])
    ])
    error_message = "public_sources keys must be any or admin, each with at least one valid CIDR."
  }

  validation {
    condition = alltrue([
      for source, cidrs in var.public_sources :
      source == "any" || length(setintersection(toset(cidrs), toset(["0.0.0.0/0", "::/0"]))) == 0
    ])
    error_message = "Only the source `any` may be the whole internet: the admin network is never 0.0.0.0/0."
  }
}

variable "groups" {
  description = "Host groups that get a firewall each."
  type        = set(string)
  default     = ["lb", "app", "obs"]

  validation {
    condition     = length(setsubtract(var.groups, ["lb", "app", "obs"])) == 0
    error_message = "groups must be lb, app and/or obs."
  }
}

variable "labels" {
  description = "Labels put on every firewall."
  type        = map(string)
  default     = {}
}
