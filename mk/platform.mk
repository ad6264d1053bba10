# Platform: Ansible roles, HAProxy config, release tarball, platform tests.
# Targets: lint, release, converge, test-platform, test-idempotence (see docs/platform.md).

ANSIBLE_DIR := ansible
# Ansible always runs under Debian's python (another python3 may come first on PATH). The
# inventory reads $TANDEM_ENV_FILE; group_vars read $TANDEM_PKI_DIR, $TANDEM_RELEASE_KEY_DIR and
# $TANDEM_DIST_DIR (all exported by the Makefile).
# SSH's multiplexing sockets in the cache, not in $HOME/.ansible/cp: a socket's path must stay under
# 108 bytes (with the 17 characters ssh appends while it makes one), and a Drone step's HOME
# (<root>/drone-<16 characters>/home/drone) leaves too few. Exported: the tests' playbooks use it too.
export ANSIBLE_SSH_CONTROL_PATH_DIR := $(TANDEM_CACHE)/ansible-cp
ANSIBLE_PLAYBOOK := cd $(ANSIBLE_DIR) && ANSIBLE_CONFIG=ansible.cfg TANDEM_DIST_DIR=$(abspath $(DIST_DIR)) \
	$(PYTHON) /usr/bin/ansible-playbook
# Offline lint uses the fixture environment (same shape as the lab's).
LINT_ENV_FILE := $(CURDIR)/tests/platform/fixtures/environment.json

.PHONY: lint lint-ansible lint-yaml lint-shell lint-role-specs release rollout rollback converge test-dry-run \
	test-platform test-idempotence test-platform-offline

lint: lint-yaml lint-ansible lint-shell lint-role-specs ## every linter: YAML, Ansible, shell, role argument specs

lint-yaml: ## yamllint over ansible/
	yamllint -s -c $(ANSIBLE_DIR)/.yamllint $(ANSIBLE_DIR)

lint-ansible: ## ansible-lint, production profile, offline
	cd $(ANSIBLE_DIR) && TANDEM_ENV_FILE=$(LINT_ENV_FILE) ANSIBLE_CONFIG=ansible.cfg \
		$(PYTHON) /usr/bin/ansible-lint --profile production --offline -q site.yml release.yml roles

# Every shell script git knows about: *.sh/*.bash, or an extensionless file with a sh/bash shebang.
lint-shell: ## shellcheck over every shell script git knows
	@files=$$(git ls-files -z | while IFS= read -r -d '' f; do \
		[[ -f $$f ]] || continue; \
		case $$f in *.sh|*.bash) echo "$$f"; continue;; *.*) continue;; esac; \
		head -c 64 "$$f" | head -1 | grep -Eq '^#!.*(/|env )(ba|da)?sh\b' && echo "$$f"; \
		done; true); \
	 echo "shellcheck: $$(echo $$files | wc -w) scripts"; \
	 [[ -z $$files ]] || shellcheck -x $$files

lint-role-specs: ## every role default has its own typed, described argument spec entry
	$(PYTHON) tools/check-role-specs $(ANSIBLE_DIR)/roles

test-platform-offline: ## offline tests: inventory script, release tool, recap parser, role specs, firewall rulesets, keepalived notify
	@$(SUITE) $@ tests/platform 'test_offline_*.py'

OFFLINE_TESTS += lint test-platform-offline

release: dist ## signed reproducible release tarball in dist/ (key kept in $TANDEM_RELEASE_KEY_DIR)
	tools/release $(DIST_DIR)

converge: ## converge the environment described by $TANDEM_ENV_FILE (ansible/site.yml)
	@mkdir -p $(TANDEM_LOG_DIR)
	@start=$$(date +%s); \
	 $(ANSIBLE_PLAYBOOK) site.yml $(ANSIBLE_ARGS) 2>&1 | tee $(TANDEM_LOG_DIR)/converge.log; \
	 echo "converge: $$(( $$(date +%s) - start )) s"

rollout: release ## rolling release of dist/'s signed release to every app host, one at a time (ansible/release.yml)
	@mkdir -p $(TANDEM_LOG_DIR)
	@start=$$(date +%s); \
	 $(ANSIBLE_PLAYBOOK) release.yml $(ANSIBLE_ARGS) 2>&1 | tee $(TANDEM_LOG_DIR)/rollout.log; \
	 echo "rollout: $$(( $$(date +%s) - start )) s"

.PHONY: bench
bench: lab ## the figures: VIP vs direct, failover gaps, rolling release, RSS and start-up (tools/bench-lab), then bench-service
	tools/bench-lab
	$(MAKE) bench-service

rollback: ## every app host back to its previous release, one at a time (ansible/release.yml)
	@mkdir -p $(TANDEM_LOG_DIR)
	@start=$$(date +%s); \
	 $(ANSIBLE_PLAYBOOK) release.yml -e tandem_release_action=rollback $(ANSIBLE_ARGS) 2>&1 | tee $(TANDEM_LOG_DIR)/rollback.log; \
	 echo "rollback: $$(( $$(date +%s) - start )) s"

test-idempotence: ## run site.yml again and fail unless every host reports changed=0
	@mkdir -p $(TANDEM_LOG_DIR)
	$(ANSIBLE_PLAYBOOK) site.yml 2>&1 | tee $(TANDEM_LOG_DIR)/idempotence.log
	@$(PYTHON) tests/platform/recap.py $(TANDEM_LOG_DIR)/idempotence.log

test-dry-run: release ## --check --diff against bare hosts: nothing fails, every host predicts changes
	@mkdir -p $(TANDEM_LOG_DIR)
	@echo "site.yml --check --diff (log: $(TANDEM_LOG_DIR)/dry-run.log)"
	@$(ANSIBLE_PLAYBOOK) site.yml --check --diff > $(TANDEM_LOG_DIR)/dry-run.log 2>&1 || \
	  grep -A4 '^fatal' $(TANDEM_LOG_DIR)/dry-run.log | head -n 40
	@$(PYTHON) tests/platform/recap.py --dry-run $(TANDEM_LOG_DIR)/dry-run.log

test-platform: ## lab-backed platform tests against a converged lab
	@$(SUITE) $@ tests/platform 'test_lab_*.py'

LAB_CONVERGE_TARGETS += release converge
# One lab session (`make test`) runs the platform suite; its test_lab_idempotence is the same
# second run as `make test-idempotence`, so the session does not run that target again.
LAB_TESTS += test-platform
# A dry run is only worth something against hosts that are still bare.
LAB_BARE_TESTS += test-dry-run
