# Gatling load tests (modules/loadtest, Java DSL) against a running Tandem. Built on their own with
# -f: the release reactor never resolves Gatling. Reports go to $TANDEM_LOADTEST_DIR.
#   make loadtest                                  against the lab's VIP from the client namespace
#   make loadtest LOADTEST_RATE=200 LOADTEST_DURATION=60 LOADTEST_P99_MS=300
#   make loadtest LOADTEST_URL=http://127.0.0.1:8080 LOADTEST_NETNS=   (a service on loopback)
LOADTEST_POM := -f modules/loadtest/pom.xml
LOADTEST_SIMULATION ?= dev.tandem.loadtest.SteadyLoad
LOADTEST_RATE ?= 100
LOADTEST_DURATION ?= 30
LOADTEST_MAX_FAILED ?= 0
# p99 bound: measured 35-197 ms at 100 req/s through the VIP on the 2 shared cores of the lab.
LOADTEST_P99_MS ?= 1000
# The lab's client namespace (the internet) and its VIP, read from the lab when it is up.
LOADTEST_NETNS ?= $(shell $(LAB) status --json 2>/dev/null | jq -r 'select(.client) | .client_netns')
LOADTEST_URL ?= https://$(shell jq -r .vip.address $(TANDEM_ENV_FILE) 2>/dev/null)
LOADTEST_TRUSTSTORE := $(TANDEM_LOADTEST_DIR)/truststore.p12
# The truststore the run uses: the lab CA's; a test points it at another CA's to see TLS refused.
LOADTEST_TRUST ?= $(LOADTEST_TRUSTSTORE)

.PHONY: loadtest loadtest-deps

loadtest-deps: ## resolve the load tests' plugins and dependencies (online), so `loadtest` runs offline in a namespace
	$(MVNW) $(LOADTEST_POM) -q test-compile dependency:resolve-plugins
	$(MVNW) $(LOADTEST_POM) -q gatling:help

# The lab CA in a PKCS12 truststore: Gatling verifies the VIP's certificate (chain and IP address)
# against it (modules/loadtest/src/test/resources/gatling.conf); its default trusts any certificate.
$(LOADTEST_TRUSTSTORE): $(TANDEM_PKI_DIR)/ca.pem
	@mkdir -p $(@D)
	rm -f $@ && keytool -importcert -noprompt -alias tandem-lab-ca -file $< -keystore $@ -storetype PKCS12 -storepass tandem-loadtest

loadtest: loadtest-deps $(LOADTEST_TRUSTSTORE) ## Gatling SteadyLoad against the VIP (fails on any failed request or a slow p99); HTML report in $TANDEM_LOADTEST_DIR
	$(if $(LOADTEST_NETNS),ip netns exec $(LOADTEST_NETNS)) env TANDEM_LOADTEST_TRUSTSTORE=$(LOADTEST_TRUST) \
	  $(MVNW) $(LOADTEST_POM) -o gatling:test \
	  -Dgatling.simulationClass=$(LOADTEST_SIMULATION) -Dtandem.loadtest.results=$(TANDEM_LOADTEST_DIR)/reports \
	  -Dtandem.baseUrl=$(LOADTEST_URL) -Dtandem.rate=$(LOADTEST_RATE) -Dtandem.duration=$(LOADTEST_DURATION) \
	  -Dtandem.maxFailed=$(LOADTEST_MAX_FAILED) -Dtandem.p99Ms=$(LOADTEST_P99_MS)
	@echo "loadtest: HTML report in $$(ls -td $(TANDEM_LOADTEST_DIR)/reports/*/ | head -1)"
