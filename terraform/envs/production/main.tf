# Production: two zones, two app hosts per zone (a zone can lose one and still serve), dedicated
# vCPUs for the LBs and apps, delete and rebuild protection.
module "platform" {
  source = "../../modules/platform"

  environment = "production"
  zones       = { a = "fsn1", b = "nbg1" }
  ip_range    = "10.30.0.0/16"
  sizes = {
    lb_server_type     = "ccx13"
    app_server_type    = "ccx23"
    app_count_per_zone = 2
    obs_server_type    = "cx43"
  }
  admin_ssh_public_key            = var.admin_ssh_public_key
  ssh_private_key_file            = var.ssh_private_key_file
  known_hosts_file                = var.known_hosts_file
  release_signing_key_fingerprint = var.release_signing_key_fingerprint
  protect                         = true
}
