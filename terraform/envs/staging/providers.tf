# The API token comes from HCLOUD_TOKEN (a read/write token of this environment's own project);
# it is never a variable, so it is never in the state or a plan file.
provider "hcloud" {}
