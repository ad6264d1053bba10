# Tandem: one entry point for people, CI and the Drone pipeline.
#   make lab    bring up the local two-zone deployment and print how to reach it
#   make test   install what is needed, then run every test (unit, lint, lab end-to-end)
# Each area keeps its targets in mk/<area>.mk; this file only wires them together.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory
PYTHON := /usr/bin/python3

# Every cache and state path is defined once, in lab/tandemlab/paths.py; make exports them to
# everything it runs (scripts, Ansible, tests). TANDEM_CACHE and TANDEM_LAB_DIR move them all.
TANDEM_PATHS := $(shell TANDEM_CACHE='$(TANDEM_CACHE)' TANDEM_LAB_DIR='$(TANDEM_LAB_DIR)' \
	TANDEM_ENV_FILE='$(TANDEM_ENV_FILE)' $(PYTHON) lab/tandemlab/paths.py || echo PATHS_FAILED)
ifneq ($(filter PATHS_FAILED,$(TANDEM_PATHS)),)
$(error lab/tandemlab/paths.py failed; see the message above)
endif
$(foreach assignment,$(TANDEM_PATHS),$(eval export $(assignment)))

# Offline test targets (no lab), and lab test suites run in one lab session (mk/session.mk)
# against its bare hosts or against the converged lab; the area files append to these.
OFFLINE_TESTS :=
LAB_BARE_TESTS :=
LAB_TESTS :=
include mk/*.mk

.PHONY: help test
help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sort | awk -F':.*## ' '{printf "  %-20s %s\n", $$1, $$2}'

test: deps $(OFFLINE_TESTS) test-lab-session ## every test: unit, lint, then one lab session end to end
