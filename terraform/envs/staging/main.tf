# Staging: the lab's shape (two zones, one LB and one obs host per zone), one app host per zone,
# small servers.
module "platform" {
  source = "../../modules/platform"

  environment = "staging"
  zones       = { a = "fsn1", b = "nbg1" }
  ip_range    = "10.20.0.0/16"
  sizes = {
    lb_server_type     = "cx23"
    app_server_type    = "cx23"
    app_count_per_zone = 1
    obs_server_type    = "cx33"
  }
  admin_ssh_public_key            = var.admin_ssh_public_key
  ssh_private_key_file            = var.ssh_private_key_file
  known_hosts_file                = var.known_hosts_file
  release_signing_key_fingerprint = var.release_signing_key_fingerprint
  protect                         = false
}
