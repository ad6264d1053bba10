variable "name" {
  description = "Name of the network (also the prefix of its labels)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,62}$", var.name))
    error_message = "name must be lower case letters, digits and dashes, starting with a letter."
  }
}

variable "ip_range" {
  description = "The network's private IPv4 range (RFC 1918), for example 10.20.0.0/16."
  type        = string

  validation {
    # inside(A, B): A's prefix is at least B's, and A's address masked to B's prefix is B's.
    condition = can(cidrhost(var.ip_range, 0)) && anytrue([
      for private in ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"] :
      tonumber(split("/", var.ip_range)[1]) >= tonumber(split("/", private)[1]) &&
      cidrhost("${cidrhost(var.ip_range, 0)}/${split("/", private)[1]}", 0) == cidrhost(private, 0)
    ])
    error_message = "ip_range must be a CIDR inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16."
  }
}

variable "network_zone" {
  description = "Hetzner network zone the subnets live in (every location of a zone can attach)."
  type        = string
  default     = "eu-central"

  validation {
    condition     = contains(["eu-central", "us-east", "us-west", "ap-southeast"], var.network_zone)
    error_message = "network_zone must be one of eu-central, us-east, us-west, ap-southeast."
  }
}

variable "subnets" {
  description = "Subnets by name: CIDRs inside ip_range (checked when planned)."
  type        = map(string)

  validation {
    condition     = length(var.subnets) > 0 && alltrue([for cidr in values(var.subnets) : can(cidrhost(cidr, 0))])
    error_message = "subnets must name at least one subnet, each a CIDR such as 10.20.1.0/24."
  }
}

variable "labels" {
  description = "Labels put on the network."
  type        = map(string)
  default     = {}
}
