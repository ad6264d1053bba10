# One lab session for `make test`: the lab lifecycle test (which brings a lab up from nothing
# and proves `down` leaves nothing), then one lab: LAB_BARE_TESTS against its bare hosts,
# `make lab` to configure it, LAB_TESTS against the result, torn down at the end whatever
# happened. Area files append their suites to LAB_BARE_TESTS and LAB_TESTS.
.PHONY: test-lab-session
test-lab-session: ## lab lifecycle test, then one lab: bare-host suites, `make lab`, every lab suite
	@tools/lab-session --alone test-lab-lifecycle --bare $(LAB_BARE_TESTS) --converged $(LAB_TESTS)

.PHONY: test-cold
test-cold: ## make test as on a new machine: empty TANDEM_CACHE, no /run/netns mount (tools/test-cold)
	@tools/test-cold
