variable "admin_ssh_public_key" {
  description = "The admin user's ed25519 public key (the private half stays on the controller)."
  type        = string
}

variable "ssh_private_key_file" {
  description = "Path of the admin's private key on the controller, written into the inventory contract."
  type        = string
}

variable "release_signing_key_fingerprint" {
  description = "Fingerprint of the pipeline's release signing key, the only key the hosts accept releases from."
  type        = string
}

variable "known_hosts_file" {
  description = "Path of the known_hosts file on the controller with every host's key (docs/terraform.md)."
  type        = string
}
