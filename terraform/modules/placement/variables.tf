variable "name_prefix" {
  description = "Prefix of the placement groups' names (the zone key is appended)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,40}$", var.name_prefix))
    error_message = "name_prefix must be lower case letters, digits and dashes, starting with a letter."
  }
}

variable "zones" {
  description = "Zone keys (a, b): one spread placement group each, so no two hosts of a zone share a physical machine."
  type        = set(string)

  validation {
    condition     = length(var.zones) > 0 && alltrue([for zone in var.zones : can(regex("^[a-z][a-z0-9-]*$", zone))])
    error_message = "zones must hold at least one zone key of lower case letters, digits and dashes."
  }
}

variable "labels" {
  description = "Labels put on every placement group."
  type        = map(string)
  default     = {}
}
