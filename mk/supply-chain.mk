# Maven supply chain: trusted checksums of every artifact Maven resolves (.mvn/maven.config turns
# them on for every build, .mvn/checksums/checksums.sha256 is the record), the enforcer's bans of
# known-vulnerable versions (pom.xml), and the SLSA provenance generator (tools/provenance).
#
# After a dependency or plugin upgrade, `make maven-checksums` records the file again from a full
# resolution (the release build with its tests, the load tests' Gatling tree, the Zipkin jar), then
# review `git diff .mvn/checksums` (only the upgraded artifacts should change) and commit it.
# Our own artifacts (dev/tandem/...) are left out: they are this build's outputs, their bytes
# change with every pom edit, and no build resolves them from a repository. It runs online so new
# versions can be downloaded; what it records is what the local repository holds, so run it on a
# repository you trust (a fresh $TANDEM_MAVEN_HOME if in doubt).

MAVEN_CHECKSUMS := .mvn/checksums/checksums.sha256
MVN_RECORD = -Daether.artifactResolver.postProcessor.trustedChecksums.record=true \
	-Daether.trustedChecksumsSource.summaryFile.basedir=$$rec

.PHONY: maven-checksums test-supply-chain-offline

maven-checksums: ## record .mvn/checksums/checksums.sha256 again (after a dependency or plugin upgrade), then review and commit it
	@rec=$$(mktemp -d) && trap 'rm -rf "$$rec"' EXIT && \
	$(MVNW) $(MVN_BUILD_PROPS) $(MVN_RECORD) clean verify && \
	$(MVNW) $(MVN_RECORD) $(LOADTEST_POM) -q test-compile dependency:resolve-plugins && \
	$(MVNW) $(MVN_RECORD) $(LOADTEST_POM) -q gatling:help && \
	zipkin=$$(awk '$$1 == "zipkin" {print $$2}' tools/jars.lock) && \
	$(MVNW) $(MVN_RECORD) -q -N "org.apache.maven.plugins:maven-dependency-plugin:$(call pom_value,maven-dependency-plugin.version):copy" \
	  -Dartifact="$$zipkin" -DoutputDirectory="$$rec/zipkin" -Dmdep.overWriteReleases=true && \
	grep -v '  dev/tandem/' "$$rec/checksums.sha256" | sort -k2 > $(MAVEN_CHECKSUMS) && \
	echo "maven-checksums: $$(wc -l < $(MAVEN_CHECKSUMS)) SHA-256 sums in $(MAVEN_CHECKSUMS); review git diff and commit"

test-supply-chain-offline: ## trusted checksums (tampered and missing fail), banned versions, SLSA provenance
	@$(SUITE) $@ tests/supply_chain 'test_offline_*.py'

OFFLINE_TESTS += test-supply-chain-offline
