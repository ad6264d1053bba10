# Terraform (OpenTofu) for Hetzner Cloud (docs/terraform.md): tofu, the hcloud provider and tflint
# built from their Go modules (tools/go-tools.lock), the provider in a filesystem mirror that
# TF_CLI_CONFIG_FILE points at, checkov in a hash-locked venv, all under $TANDEM_TOOLS_DIR; and the
# offline proofs (fmt, init from the mirror, validate, tofu test with mock providers, tflint,
# checkov, the firewall policy against the nftables template, the floating-IP mover's contract).

TF_HOME := $(TANDEM_TOOLS_DIR)/terraform
export TF_CLI_CONFIG_FILE := $(TF_HOME)/tofurc

.PHONY: terraform-tools terraform-lock test-terraform

terraform-tools: deps ## build tofu, the hcloud provider (into a filesystem mirror) and tflint; checkov in a venv
	@terraform/scripts/install-tools

terraform-lock: terraform-tools ## rewrite every .terraform.lock.hcl from the mirror (linux_amd64) after a provider bump
	@for dir in $$(dirname $$(grep -l 'required_providers' terraform/modules/*/versions.tf terraform/envs/*/versions.tf)); do \
		echo "terraform-lock: $$dir"; \
		export TF_DATA_DIR=$(TF_HOME)/data/$$(tr / _ <<<"$$dir"); \
		rm -f $$dir/.terraform.lock.hcl; \
		(cd $$dir && $(TANDEM_TOOLS_DIR)/bin/tofu init -backend=false -input=false -no-color >/dev/null && \
			$(TANDEM_TOOLS_DIR)/bin/tofu providers lock -fs-mirror=$(TF_HOME)/mirror -platform=linux_amd64 \
			-no-color >/dev/null) || exit 1; \
	done

test-terraform: terraform-tools ## offline: fmt, init from the mirror, validate, tofu test (mock providers), tflint, checkov, VIP mover contract
	@$(SUITE) $@ tests/terraform 'test_offline_*.py'

OFFLINE_TESTS += test-terraform
