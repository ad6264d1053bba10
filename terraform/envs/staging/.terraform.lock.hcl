# This file is maintained automatically by "tofu init".
# Manual edits may be lost in future updates.

provider "tandem.internal/hetznercloud/hcloud" {
  version     = "1.68.0"
  constraints = "1.68.0"
  hashes = [
    "h1:a3t/121zzRi36DM7ICN4uRV1Nq0Z886z4CX/L2RKTq4=",
  ]
}
