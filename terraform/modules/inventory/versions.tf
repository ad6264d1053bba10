terraform {
  # No provider: this module only computes the inventory contract's document.
  required_version = "1.12.6"
}
