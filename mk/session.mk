# One lab session for `make test`: the lab lifecycle test (which brings a lab up from nothing
# and proves `down` leaves nothing), then one converged lab that every lab suite runs against,
# torn down at the end whatever happened. Area files append their suites to LAB_TESTS.
.PHONY: test-lab-session
test-lab-session: ## lab lifecycle test, then `make lab` once, every lab suite, `make lab-down`
	@tools/lab-session test-lab-lifecycle -- $(LAB_TESTS)
