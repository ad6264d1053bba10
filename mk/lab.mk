# The lab: real hosts in two zones (lab/lab, described by lab/lab.toml; docs/lab.md).
# `make lab` brings the lab up, then runs LAB_CONVERGE_TARGETS in order (mk/platform.mk appends
# the release and the Ansible converge).
LAB := $(PYTHON) lab/lab
LAB_CONVERGE_TARGETS ?=
SUITE := tools/run-suite

.PHONY: lab lab-up lab-down lab-status test-lab test-lab-lifecycle test-lab-offline

# The converge targets are appended by later mk files, so expand them at run time, in order.
lab: lab-up ## bring up the lab, configure it, and print how to reach it
	@for t in $(LAB_CONVERGE_TARGETS); do $(MAKE) "$$t"; done
	@vip=$$(jq -r .vip.address "$$($(LAB) env)"); \
	 echo; echo "Tandem is up. From this machine:"; \
	 echo "  curl --cacert $(TANDEM_PKI_DIR)/ca.pem https://$$vip/api/v1/hello?name=you"; \
	 echo "  lab/lab status | lab/lab ssh HOST | make lab-down"; \
	 port() { awk -v k="$$1:" '$$1 == k {print $$2}' ansible/group_vars/all/ports.yml; }; \
	 echo "Observability (from this machine; docs/observability.md):"; \
	 for a in $$(jq -r '.hosts[] | select(.groups | index("obs")) | .name + "=" + .address' "$$($(LAB) env)"); do \
	   echo "  $${a%%=*}: VictoriaMetrics http://$${a#*=}:$$(port victoriametrics)/vmui  vmalert http://$${a#*=}:$$(port vmalert)" \
	        "Alertmanager http://$${a#*=}:$$(port alertmanager)  Loki http://$${a#*=}:$$(port loki)"; \
	 done

lab-up: deps ## bring up the lab (idempotent: only what is missing)
	@$(LAB) up

lab-down: ## remove everything the lab made and verify nothing is left
	@$(LAB) down

lab-status: ## show the lab's hosts, zones and repository
	@$(LAB) status

test-lab-offline: ## lab tests that need no lab: description validation, schema, bad input
	@$(SUITE) $@ lab/tests 'test_offline*.py'

OFFLINE_TESTS += test-lab-offline

test-lab: ## lab tests against a lab that is up (make lab-up first)
	@$(SUITE) $@ lab/tests 'test_running*.py'

LAB_TESTS += test-lab

test-lab-lifecycle: deps ## up from nothing, idempotent second up, faults, down leaves nothing
	@$(SUITE) $@ lab/tests 'test_lifecycle*.py'
