# Observability: tools built from their Go modules (VictoriaMetrics, vmagent, vmalert, vmalert-tool,
# Loki, promtail; versions in tools/go-tools.lock), the Zipkin jar (tools/jars.lock), the alert rules' unit tests, the dashboards'
# schema check, and the lab suites that prove alerts reach a person (docs/observability.md).

.PHONY: go-tools zipkin panels test-observability-offline

go-tools: deps ## build the pinned Go tools into $TANDEM_TOOLS_DIR/bin (once per version)
	@tools/install-go-tools

zipkin: deps ## fetch the pinned Zipkin server jar into $TANDEM_TOOLS_DIR/zipkin (sha256-checked, once per version)
	@tools/install-zipkin

# Ansible copies the built tools to the hosts, so every play needs them on the controller first.
converge test-dry-run test-idempotence: go-tools zipkin
LAB_CONVERGE_TARGETS += go-tools zipkin

test-observability-offline: go-tools ## alert rules (vmalert-tool unit tests, runbooks), dashboards (schema, queries)
	@$(SUITE) $@ tests/observability 'test_offline_*.py'

OFFLINE_TESTS += test-observability-offline

panels: ## pictures for docs/observability.md: load, the VIP holder powered off and back, key panels as PNG (needs make lab)
	@tools/panel-pictures docs/img
