# Remote state in S3-compatible object storage (Hetzner Object Storage), locked by a lock file
# beside the state (use_lockfile: no DynamoDB). Bucket, region and endpoint come from
# -backend-config=backend.hcl (example: backend.hcl.example; bootstrap: docs/terraform.md), so
# `tofu init -backend=false` works offline and no account detail is in the repository.
terraform {
  backend "s3" {
    key          = "tandem/staging/terraform.tfstate"
    use_lockfile = true

    # Not AWS: no account, region or checksum calls the other store does not answer.
    skip_credentials_validation = true
    skip_region_validation      = true
    skip_requesting_account_id  = true
    skip_metadata_api_check     = true
    skip_s3_checksum            = true
    use_path_style              = true
  }
}
