# tflint with its built-in terraform ruleset only (never `tflint --init`: no plugin downloads).
# mk/terraform.mk's test runs `tflint --recursive --config terraform/.tflint.hcl`.
config {
  call_module_type = "local"
}

plugin "terraform" {
  enabled = true
  preset  = "all"
}
