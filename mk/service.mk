# Tandem service (Java, Vert.x): build, release artifacts, run, tests and benchmark.
# Everything goes through the Maven wrapper (Maven 3.9.11, sha256-pinned in .mvn/wrapper), with
# its distributions and the local repository under $TANDEM_MAVEN_HOME (outside the repository).

export MAVEN_USER_HOME := $(TANDEM_MAVEN_HOME)
MVNW := ./mvnw -B -ntp -Dmaven.repo.local=$(TANDEM_MAVEN_HOME)/repository
# Versions are written once, in pom.xml; these read them from there.
pom_value = $(shell sed -n 's:^ *<$(1)>\(.*\)</$(1)>.*:\1:p' pom.xml | head -n1)
SERVICE_VERSION := $(call pom_value,version)
OTEL_AGENT_VERSION := $(call pom_value,opentelemetry-javaagent.version)
SERVICE_COMMIT := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
# Every build has its own version: pom version + commit. RELEASE_VERSION=... relabels a build, so
# tests and people can roll out a "new" version without a new commit.
RELEASE_VERSION ?= $(SERVICE_VERSION)+g$(SERVICE_COMMIT)
ifeq ($(shell [[ '$(RELEASE_VERSION)' =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]+)?$$ ]] && echo ok),)
$(error RELEASE_VERSION='$(RELEASE_VERSION)' is not a version: MAJOR.MINOR.PATCH, then optionally - or + and letters, digits, '.', '+', '-')
endif
SERVICE_JAR := modules/service/target/tandem-service-$(SERVICE_VERSION).jar
OTEL_AGENT_JAR := modules/service/target/agent/opentelemetry-javaagent-$(OTEL_AGENT_VERSION).jar
MVN_BUILD_PROPS := -Dtandem.commit=$(SERVICE_COMMIT) -Dtandem.version=$(RELEASE_VERSION)

OFFLINE_TESTS += test-service test-reproducible

.PHONY: build dist run test-service test-reproducible bench-service

build: ## compile and package the service (fat jar, SBOM), tests skipped
	$(MVNW) $(MVN_BUILD_PROPS) -DskipTests package

# dist/ is rebuilt only when the commit or a build input changed: `make test` asks for it from
# more than one target (the dry run's release and `make lab`'s), and each build runs the tests.
SERVICE_INPUTS := $(shell git ls-files pom.xml mvnw .mvn modules 2>/dev/null)
# DIST_DIR=... builds into another directory (a test builds a second release beside dist/).
DIST_DIR ?= dist
DIST_STAMP := $(DIST_DIR)/.built-$(RELEASE_VERSION)

dist: $(DIST_STAMP) ## tested release artifacts into $(DIST_DIR) (dist/): jar, SBOM, OpenTelemetry agent, .sha256 files

$(DIST_STAMP): $(SERVICE_INPUTS)
	$(MVNW) $(MVN_BUILD_PROPS) clean verify
	rm -rf $(DIST_DIR) && mkdir -p $(DIST_DIR)
	cp $(SERVICE_JAR) $(DIST_DIR)/tandem-service-$(RELEASE_VERSION).jar
	cp target/tandem.cdx.json $(DIST_DIR)/tandem-service-$(RELEASE_VERSION).cdx.json
	cp $(OTEL_AGENT_JAR) $(DIST_DIR)/opentelemetry-javaagent-$(OTEL_AGENT_VERSION).jar
	cd $(DIST_DIR) && sha256sum tandem-service-$(RELEASE_VERSION).jar > tandem-service-$(RELEASE_VERSION).jar.sha256
	cd $(DIST_DIR) && sha256sum opentelemetry-javaagent-$(OTEL_AGENT_VERSION).jar > opentelemetry-javaagent-$(OTEL_AGENT_VERSION).jar.sha256
	@ls -l $(DIST_DIR)
	touch $@

run: build ## run the service in the foreground on loopback (API :8080, management :9090)
	TANDEM_BIND_ADDRESS=127.0.0.1 exec java -jar $(SERVICE_JAR)

test-service: ## service unit and integration tests (./mvnw verify)
	$(MVNW) $(MVN_BUILD_PROPS) verify

test-reproducible: ## build the release jar twice from clean and compare sha256
	$(MVNW) $(MVN_BUILD_PROPS) -DskipTests clean package -q
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	cp $(SERVICE_JAR) "$$tmp/first.jar" && \
	$(MVNW) $(MVN_BUILD_PROPS) -DskipTests clean package -q && \
	a=$$(sha256sum < "$$tmp/first.jar" | cut -d' ' -f1) && \
	b=$$(sha256sum < $(SERVICE_JAR) | cut -d' ' -f1) && \
	if [ "$$a" = "$$b" ]; then \
	  echo "test-reproducible: PASS tandem-service-$(SERVICE_VERSION).jar sha256 $$a (two clean builds)"; \
	else \
	  echo "test-reproducible: FAIL tandem-service-$(SERVICE_VERSION).jar differs: $$a vs $$b"; exit 1; \
	fi

bench-service: build ## wrk on loopback: req/s, p50/p99 with and without instrumentation, start-to-ready, RSS
	tools/bench-service $(SERVICE_JAR)
