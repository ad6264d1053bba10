# Machine prerequisites: Debian packages at pinned versions (tools/host-packages.txt).
.PHONY: deps
deps: ## install the pinned Debian packages the build, lint and lab need
	@tools/install-host-packages tools/host-packages.txt
