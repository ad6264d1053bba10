terraform {
  required_version = "1.12.6"

  required_providers {
    hcloud = {
      # Built from its Go module and installed from a filesystem mirror (docs/terraform.md); the
      # host part names our build, so its lock hashes are never confused with another's.
      source  = "tandem.internal/hetznercloud/hcloud"
      version = "1.68.0"
    }
  }
}
