# The Drone pipeline (.drone.yml, docs/pipeline.md): the targets its steps call that no other area
# has, its checks in `make lint`, and `make pipeline`, which runs it here with Drone's exec runner
# (drone-runner-exec, built from its Go module: tools/go-tools.lock).

.PHONY: lint-drone lint-secrets unit-tests sbom vulnerability-scan sign provenance publish pipeline-release-key \
	rollout-staging rollout-production smoke smoke-production pipeline pipeline-tools test-pipeline-offline

# make merges prerequisites: these join the linters of mk/platform.mk.
lint: lint-drone lint-secrets

GITLEAKS := $(TANDEM_TOOLS_DIR)/bin/gitleaks
DRONE_RUNNER_EXEC := $(TANDEM_TOOLS_DIR)/bin/drone-runner-exec

pipeline-tools: ## build the pinned drone-runner-exec and gitleaks into $TANDEM_TOOLS_DIR/bin (once per version)
	@tools/install-go-tools drone-runner-exec gitleaks

lint-drone: ## .drone.yml: yamllint, then type-checked against the SchemaStore Drone schema (tools/drone-schema)
	yamllint -s -c $(ANSIBLE_DIR)/.yamllint .drone.yml tests/pipeline/fixtures
	@tools/drone-schema/run .drone.yml

lint-secrets: ## gitleaks over the git history and the work tree (.gitleaks.toml)
	@tools/install-go-tools gitleaks >/dev/null
	$(GITLEAKS) git --no-banner --no-color --redact -v --config .gitleaks.toml .
	$(GITLEAKS) dir --no-banner --no-color --redact -v --config .gitleaks.toml .

# Recipes expand when they run, so OFFLINE_TESTS holds every area's suites by then.
unit-tests: ## every offline suite of `make test` but lint and test-reproducible (their own stages); all run, any failure fails
	@$(MAKE) -k $(filter-out lint test-reproducible,$(OFFLINE_TESTS))

SBOM = $(DIST_DIR)/tandem-service-$(RELEASE_VERSION).cdx.json

sbom: dist ## the CycloneDX SBOM `make dist` writes: present, CycloneDX JSON, with components
	@jq -e '.bomFormat == "CycloneDX" and (.components | length) > 0' $(SBOM) >/dev/null \
	  || { echo "sbom: $(SBOM) is missing or not a CycloneDX SBOM with components" >&2; exit 1; }
	@echo "sbom: $(SBOM): CycloneDX $$(jq -r .specVersion $(SBOM)), $$(jq '.components | length' $(SBOM)) components"

# A real pipeline's scan; its database cannot be fetched here, so `make pipeline` excludes it.
VULN_FAIL_ON ?= high
vulnerability-scan: sbom ## grype over the SBOM, failing on VULN_FAIL_ON (high) or worse (needs grype and its database)
	@command -v grype >/dev/null || { echo "vulnerability-scan: grype is not installed" >&2; exit 1; }
	grype sbom:$(SBOM) --fail-on $(VULN_FAIL_ON)

# In a Drone run the release key is the secret TANDEM_RELEASE_SIGNING_KEY (an armored secret key),
# given only to the steps that sign. pipeline-release-key imports it into a key directory in the
# run's HOME (private to the run, removed with it), which replaces TANDEM_RELEASE_KEY_DIR for this
# make and everything it runs, in that step and the later steps of the run (their gpgv checks).
# Outside Drone, or with no secret: the key of $TANDEM_RELEASE_KEY_DIR (tools/release makes one).
# Short: gpg-agent's sockets (S.gpg-agent.browser) go in its GNUPGHOME, and a socket's path must
# stay under 108 bytes.
PIPELINE_KEY_DIR := $(HOME)/rk
ifeq ($(DRONE),true)
ifneq ($(or $(if $(TANDEM_RELEASE_SIGNING_KEY),set),$(wildcard $(PIPELINE_KEY_DIR))),)
export TANDEM_RELEASE_KEY_DIR := $(PIPELINE_KEY_DIR)
endif
endif

# The one release tarball of dist/ (make sign wrote it), or stop.
define one_tarball
shopt -s nullglob; tarballs=($(DIST_DIR)/tandem-service-*.tar.gz); \
(( $${#tarballs[@]} == 1 )) || { echo "$@: expected one $(DIST_DIR)/tandem-service-*.tar.gz (make sign), found $${#tarballs[@]}" >&2; exit 1; }; \
tarball=$${tarballs[0]}
endef

pipeline-release-key:
	@if [[ -n $${TANDEM_RELEASE_SIGNING_KEY:-} && ! -d $(TANDEM_RELEASE_KEY_DIR)/gnupg ]]; then \
	   socket=$(TANDEM_RELEASE_KEY_DIR)/gnupg/S.gpg-agent.browser; \
	   (( $${#socket} < 108 )) || { echo "sign: $$socket is too long for a socket: a shorter runner root" >&2; exit 1; }; \
	   mkdir -p -m 700 $(TANDEM_RELEASE_KEY_DIR)/gnupg; \
	   printf '%s\n' "$$TANDEM_RELEASE_SIGNING_KEY" | GNUPGHOME=$(TANDEM_RELEASE_KEY_DIR)/gnupg gpg --batch --quiet --import; \
	   GNUPGHOME=$(TANDEM_RELEASE_KEY_DIR)/gnupg gpg --batch --yes --export > $(TANDEM_RELEASE_KEY_DIR)/release-signing-key.gpg; \
	   GNUPGHOME=$(TANDEM_RELEASE_KEY_DIR)/gnupg gpgconf --kill gpg-agent; \
	   echo "sign: release key from the secret TANDEM_RELEASE_SIGNING_KEY"; \
	 fi

sign: pipeline-release-key ## make release, then: exactly one tarball in dist/, its .sig verified with gpgv and the public key
	@$(MAKE) release
	@$(one_tarball); \
	 [[ -f $$tarball.sig ]] || { echo "sign: $$tarball.sig missing" >&2; exit 1; }; \
	 gpgv --quiet --keyring $(TANDEM_RELEASE_KEY_DIR)/release-signing-key.gpg $$tarball.sig $$tarball 2>/dev/null \
	   || { echo "sign: $$tarball.sig does not verify with $(TANDEM_RELEASE_KEY_DIR)/release-signing-key.gpg" >&2; exit 1; }; \
	 echo "sign: $$tarball.sig verifies with gpgv"

# Provenance is tools/release's to write. This target checks what it finds, and names it:
# - dist/tandem-service-<version>.provenance.json (an in-toto statement): tools/provenance --verify
#   against the tarball and the SBOM, and its .sig with gpgv if there is one;
# - dist/*.intoto.jsonl (DSSE envelopes, one a line): each an in-toto payload, one naming the tarball;
# - neither: it says NOT CHECKED and passes (tools/release writes no provenance yet).
PROVENANCE = $(DIST_DIR)/tandem-service-$(RELEASE_VERSION).provenance.json
provenance: ## the provenance make sign (make release) wrote, verified against the tarball (or NOT CHECKED if there is none)
	@$(one_tarball); envelopes=($(DIST_DIR)/*.intoto.jsonl); \
	 keyring=$(TANDEM_RELEASE_KEY_DIR)/release-signing-key.gpg; checked=0; \
	 if [[ -f $(PROVENANCE) ]]; then \
	   $(PYTHON) tools/provenance --verify $(PROVENANCE) --tarball $$tarball --sbom $(SBOM); \
	   [[ ! -f $(PROVENANCE).sig ]] || gpgv --quiet --keyring $$keyring $(PROVENANCE).sig $(PROVENANCE) 2>/dev/null \
	     || { echo "provenance: $(PROVENANCE).sig does not verify" >&2; exit 1; }; \
	   echo "provenance: $(PROVENANCE) verified against $$tarball$$([[ -f $(PROVENANCE).sig ]] && echo ', signature verified')"; \
	   checked=1; \
	 fi; \
	 digest=$$(sha256sum < $$tarball | cut -d' ' -f1); \
	 for f in "$${envelopes[@]}"; do \
	   jq -e -s 'length > 0 and all(.payloadType == "application/vnd.in-toto+json" and (.payload | type) == "string")' $$f >/dev/null \
	     || { echo "provenance: $$f: not DSSE envelopes of in-toto statements" >&2; exit 1; }; \
	   jq -r '.payload | @base64d' $$f | jq -e -s --arg d $$digest 'any(.[].subject[]?; .digest.sha256 == $$d)' >/dev/null \
	     || { echo "provenance: $$f: no statement names $$tarball (sha256 $$digest)" >&2; exit 1; }; \
	   echo "provenance: $$f names $$tarball (sha256 $$digest)"; checked=1; \
	 done; \
	 (( checked )) || echo "provenance: NOT CHECKED: make release wrote neither $(PROVENANCE) nor $(DIST_DIR)/*.intoto.jsonl"

# Where a release is published: a directory per version (an artifact store's mount on a runner).
PUBLISH_DIR ?= $(TANDEM_CACHE)/pipeline/published
publish: ## copy what make sign wrote (tarball, .sha256, signatures, SBOM, provenance, pointer) to PUBLISH_DIR/<version>
	@$(one_tarball); dest=$(PUBLISH_DIR)/$(RELEASE_VERSION); mkdir -p "$$dest"; \
	 files=(); for f in $(DIST_DIR)/tandem-service-*.tar.gz* $(SBOM) $(SBOM).sig $(PROVENANCE) $(PROVENANCE).sig \
	   $(DIST_DIR)/*.intoto.jsonl* $(DIST_DIR)/tandem-release.json $(DIST_DIR)/tandem-release.json.sig \
	   $(TANDEM_RELEASE_KEY_DIR)/release-signing-key.gpg; do [[ ! -f $$f ]] || files+=("$$f"); done; \
	 gpgv --quiet --keyring $(TANDEM_RELEASE_KEY_DIR)/release-signing-key.gpg $$tarball.sig $$tarball 2>/dev/null \
	   || { echo "publish: $$tarball.sig does not verify: nothing published" >&2; exit 1; }; \
	 cp "$${files[@]}" "$$dest/"; \
	 (cd "$$dest" && sha256sum --quiet -c "$${tarball##*/}.sha256"); \
	 echo "publish: $${#files[@]} files in $$dest"

# The deploy key is the secret TANDEM_DEPLOY_SSH_KEY: written to a file in the run's HOME and given
# to Ansible as an extra variable (which wins over the inventory's key file).
DEPLOY_KEY_FILE := $(HOME)/.tandem-deploy-key
STAGING_ENV_FILE ?= $(TANDEM_ENV_FILE)
PRODUCTION_ENV_FILE ?=
define with_deploy_key
if [[ -n $${TANDEM_DEPLOY_SSH_KEY:-} ]]; then \
  (umask 077 && printf '%s\n' "$$TANDEM_DEPLOY_SSH_KEY" > $(DEPLOY_KEY_FILE)); \
  key_args="-e ansible_ssh_private_key_file=$(DEPLOY_KEY_FILE)"; \
fi
endef

# Here staging is the lab. lab-end-to-end takes its own lab down at the end, so when staging is the
# lab and it is down, rollout-staging brings it up first (`make lab`) and deploys with the lab's key.
rollout-staging: pipeline-release-key ## make rollout against STAGING_ENV_FILE (default: the lab's, made first if it is down), with the deploy key secret if given
	@key_args=""; \
	 if [[ "$(STAGING_ENV_FILE)" == "$(TANDEM_ENV_FILE)" ]] && [[ $$($(LAB) status --json | jq .up) != true ]]; then \
	   echo "rollout-staging: staging is the lab, and it is down: make lab"; $(MAKE) lab; \
	 else $(with_deploy_key); fi; \
	 $(MAKE) rollout TANDEM_ENV_FILE=$(STAGING_ENV_FILE) ANSIBLE_ARGS="$(ANSIBLE_ARGS) $$key_args"

rollout-production: pipeline-release-key ## make rollout against PRODUCTION_ENV_FILE, with the deploy key secret if given
	@[[ -n "$(PRODUCTION_ENV_FILE)" ]] || { echo "rollout-production: PRODUCTION_ENV_FILE is not set" >&2; exit 1; }
	@key_args=""; $(with_deploy_key); \
	 $(MAKE) rollout TANDEM_ENV_FILE=$(PRODUCTION_ENV_FILE) ANSIBLE_ARGS="$(ANSIBLE_ARGS) $$key_args"

# Smoke: requests through the environment's VIP, every one must answer 200 with TLS verified.
SMOKE_REQUESTS ?= 20
SMOKE_CACERT ?= $(TANDEM_PKI_DIR)/ca.pem
define smoke_check
vip=$$(jq -r .vip.address $(1)); ok=0; \
for _ in $$(seq $(SMOKE_REQUESTS)); do \
  code=$$(curl -sS -o /dev/null -w '%{http_code}' --max-time 5 --cacert $(SMOKE_CACERT) \
          "https://$$vip/api/v1/hello?name=smoke" || true); \
  [[ $$code == 200 ]] && ok=$$((ok + 1)); \
done; \
echo "smoke: $$ok of $(SMOKE_REQUESTS) requests through https://$$vip answered 200"; \
(( ok == $(SMOKE_REQUESTS) ))
endef

smoke: ## SMOKE_REQUESTS (20) requests through STAGING_ENV_FILE's VIP: all 200, TLS verified against SMOKE_CACERT
	@$(call smoke_check,$(STAGING_ENV_FILE))

smoke-production: ## the smoke requests through PRODUCTION_ENV_FILE's VIP
	@[[ -n "$(PRODUCTION_ENV_FILE)" ]] || { echo "smoke-production: PRODUCTION_ENV_FILE is not set" >&2; exit 1; }
	@$(call smoke_check,$(PRODUCTION_ENV_FILE))

# make pipeline: a pipeline of .drone.yml with the exec runner, as a Drone server would have it run
# after a push to main (PIPELINE_EVENT, PIPELINE_BRANCH, PIPELINE_TARGET pretend another build).
#   make pipeline PIPELINE_ONLY='lint unit-tests'          just those steps
#   make pipeline PIPELINE_EXCLUDE='vulnerability-scan lab-end-to-end'
#   make pipeline PIPELINE=promote-production PIPELINE_EVENT=promote PIPELINE_TARGET=production
# Secrets: one file per secret in a private temporary directory: release_signing_key exported from
# $TANDEM_RELEASE_KEY_DIR, deploy_ssh_key the lab's SSH key; PIPELINE_SECRETS_DIR replaces both.
PIPELINE ?= tandem
PIPELINE_EVENT ?= push
PIPELINE_BRANCH ?= main
PIPELINE_TARGET ?=
PIPELINE_ONLY ?=
PIPELINE_EXCLUDE ?= $(if $(filter tandem,$(PIPELINE)),vulnerability-scan)
PIPELINE_SECRETS_DIR ?=
PIPELINE_ROOT ?= $(TANDEM_CACHE)/pipeline/runs
# The runner's environment (a daemon's DRONE_RUNNER_ENVIRON): the paths make exports.
PIPELINE_ENVIRON := $(foreach a,$(TANDEM_PATHS),$(firstword $(subst =, ,$(a))))

pipeline: pipeline-tools ## run .drone.yml's PIPELINE here with drone-runner-exec (PIPELINE_ONLY, PIPELINE_EXCLUDE), step times at the end
	@secrets=$$(mktemp -d); trap 'rm -rf "$$secrets"' EXIT; \
	 if [[ -n "$(PIPELINE_SECRETS_DIR)" ]]; then secrets=$(PIPELINE_SECRETS_DIR); \
	 else \
	   if [[ -d $(TANDEM_RELEASE_KEY_DIR)/gnupg ]]; then \
	     (umask 077 && GNUPGHOME=$(TANDEM_RELEASE_KEY_DIR)/gnupg gpg --batch --quiet --armor --export-secret-keys \
	        > "$$secrets/release_signing_key"); \
	     GNUPGHOME=$(TANDEM_RELEASE_KEY_DIR)/gnupg gpgconf --kill gpg-agent; \
	   fi; \
	   [[ ! -f $(TANDEM_LAB_DIR)/ssh/id_ed25519 ]] || cp $(TANDEM_LAB_DIR)/ssh/id_ed25519 "$$secrets/deploy_ssh_key"; \
	 fi; \
	 $(PYTHON) tools/pipeline-run --runner $(DRONE_RUNNER_EXEC) --pipeline $(PIPELINE) \
	   --event $(PIPELINE_EVENT) --branch $(PIPELINE_BRANCH) --target '$(PIPELINE_TARGET)' \
	   --only '$(PIPELINE_ONLY)' --exclude '$(PIPELINE_EXCLUDE)' --secrets-dir "$$secrets" \
	   --environ '$(PIPELINE_ENVIRON)' --root $(PIPELINE_ROOT)

test-pipeline-offline: pipeline-tools ## .drone.yml, its schema check and gitleaks refuse what they must; pipeline-run's selection and secrets
	@$(SUITE) $@ tests/pipeline 'test_offline_*.py'

OFFLINE_TESTS += test-pipeline-offline
