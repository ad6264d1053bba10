# Platform: Ansible roles, HAProxy config, release tarball, platform tests.
# Targets: lint, release, converge, test-platform, test-idempotence (see docs/platform.md).

ANSIBLE_DIR := ansible
PLATFORM_ENV_FILE ?= $(or $(TANDEM_ENV_FILE),$(TANDEM_LAB_DIR)/environment.json)
# Ansible always runs under Debian's python (another python3 may come first on PATH).
ANSIBLE_PLAYBOOK := cd $(ANSIBLE_DIR) && ANSIBLE_CONFIG=ansible.cfg TANDEM_ENV_FILE=$(abspath $(PLATFORM_ENV_FILE)) \
	TANDEM_DIST_DIR=$(CURDIR)/dist $(PYTHON) /usr/bin/ansible-playbook
# Offline lint uses the fixture environment (same shape as the lab's).
LINT_ENV_FILE := $(CURDIR)/tests/platform/fixtures/environment.json
PLATFORM_LOG_DIR ?= $(TANDEM_CACHE)/platform-logs

.PHONY: lint lint-ansible lint-yaml lint-shell release converge test-dry-run test-platform test-idempotence test-platform-offline

lint: lint-yaml lint-ansible lint-shell ## lint Ansible (production profile), YAML and every shell script

lint-yaml:
	yamllint -s -c $(ANSIBLE_DIR)/.yamllint $(ANSIBLE_DIR)

lint-ansible:
	cd $(ANSIBLE_DIR) && TANDEM_ENV_FILE=$(LINT_ENV_FILE) ANSIBLE_CONFIG=ansible.cfg \
		$(PYTHON) /usr/bin/ansible-lint --profile production --offline -q site.yml roles

# Every shell script git knows about: *.sh/*.bash, or an extensionless file with a sh/bash shebang.
lint-shell:
	@files=$$(git ls-files -z | while IFS= read -r -d '' f; do \
		[[ -f $$f ]] || continue; \
		case $$f in *.sh|*.bash) echo "$$f"; continue;; *.*) continue;; esac; \
		head -c 64 "$$f" | head -1 | grep -Eq '^#!.*(/|env )(ba|da)?sh\b' && echo "$$f"; \
		done; true); \
	 echo "shellcheck: $$(echo $$files | wc -w) scripts"; \
	 [[ -z $$files ]] || shellcheck -x $$files

test-platform-offline: ## offline tests of the inventory script and the release tool
	$(PYTHON) -m unittest discover -s tests/platform -p 'test_offline_*.py' -v

OFFLINE_TESTS += lint test-platform-offline

release: dist ## signed reproducible release tarball in dist/ (key kept in $TANDEM_CACHE)
	tools/release dist

converge: ## converge the environment described by environment.json (ansible/site.yml)
	@mkdir -p $(PLATFORM_LOG_DIR)
	@start=$$(date +%s); \
	 $(ANSIBLE_PLAYBOOK) site.yml $(ANSIBLE_ARGS) 2>&1 | tee $(PLATFORM_LOG_DIR)/converge.log; \
	 echo "converge: $$(( $$(date +%s) - start )) s"

test-idempotence: ## run site.yml again and fail unless every host reports changed=0
	@mkdir -p $(PLATFORM_LOG_DIR)
	$(ANSIBLE_PLAYBOOK) site.yml 2>&1 | tee $(PLATFORM_LOG_DIR)/idempotence.log
	@$(PYTHON) tests/platform/recap.py $(PLATFORM_LOG_DIR)/idempotence.log

test-dry-run: release ## --check --diff against bare hosts: nothing fails, every host predicts changes
	@mkdir -p $(PLATFORM_LOG_DIR)
	@echo "site.yml --check --diff (log: $(PLATFORM_LOG_DIR)/dry-run.log)"
	@$(ANSIBLE_PLAYBOOK) site.yml --check --diff > $(PLATFORM_LOG_DIR)/dry-run.log 2>&1 || \
	  grep -A4 '^fatal' $(PLATFORM_LOG_DIR)/dry-run.log | head -n 40
	@$(PYTHON) tests/platform/recap.py --dry-run $(PLATFORM_LOG_DIR)/dry-run.log

test-platform: ## lab-backed platform tests against a converged lab
	TANDEM_ENV_FILE=$(abspath $(PLATFORM_ENV_FILE)) $(PYTHON) -m unittest discover -s tests/platform -p 'test_lab_*.py' -v

LAB_CONVERGE_TARGETS += release converge
# One lab session (`make test`) runs the platform suite; its test_lab_idempotence is the same
# second run as `make test-idempotence`, so the session does not run that target again.
LAB_TESTS += test-platform
# A dry run is only worth something against hosts that are still bare.
LAB_BARE_TESTS += test-dry-run
