# Tandem: one entry point for people, CI and the Drone pipeline.
#   make lab    bring up the local two-zone deployment and print how to reach it
#   make test   install what is needed, then run every test (unit, lint, lab end-to-end)
# Each area keeps its targets in mk/<area>.mk; this file only wires them together.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

# Caches and lab state live outside the repository.
export TANDEM_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/tandem
export TANDEM_LAB_DIR ?= /var/lib/tandem-lab
PYTHON := /usr/bin/python3

# Offline test targets (no lab), and lab test suites run in one lab session (mk/session.mk)
# against its bare hosts or against the converged lab; the area files append to these.
OFFLINE_TESTS :=
LAB_BARE_TESTS :=
LAB_TESTS :=
include mk/*.mk

.PHONY: help test
help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sort | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

test: deps $(OFFLINE_TESTS) test-lab-session ## every test: unit, lint, then one lab session end to end
