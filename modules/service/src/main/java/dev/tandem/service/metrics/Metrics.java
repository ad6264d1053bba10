package dev.tandem.service.metrics;

import dev.tandem.service.config.BuildInfo;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.time.Duration;
import java.util.EnumSet;
import java.util.UUID;

/**
 * The Prometheus registry: Vert.x HTTP server metrics labelled by route template, method and code
 * (never the raw path), with latency histogram buckets; JVM and process binders;
 * tandem_build_info{version,commit} = 1; and tandem_startup_seconds, from the JVM's start to ready.
 */
public final class Metrics implements AutoCloseable {

  /** Latency buckets of vertx_http_server_response_time_seconds. */
  static final Duration[] BUCKETS = {
      Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10),
      Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
      Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
      Duration.ofSeconds(10)};

  private final PrometheusMeterRegistry registry;
  private final JvmGcMetrics gc;
  private final String registryName = "tandem-" + UUID.randomUUID();

  public Metrics(BuildInfo build) {
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // Per-request byte-size summaries cost more than they tell for small JSON answers (measured with
    // tools/bench-service); request counts, latency histograms and active requests stay.
    registry.config().meterFilter(MeterFilter.denyNameStartsWith("vertx.http.server.request.bytes"));
    registry.config().meterFilter(MeterFilter.denyNameStartsWith("vertx.http.server.response.bytes"));
    registry.config().meterFilter(new MeterFilter() {
      @Override
      public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
        if (id.getName().startsWith("vertx.http.server.response.time")) {
          return DistributionStatisticConfig.builder().serviceLevelObjectives(toNanos(BUCKETS)).build().merge(config);
        }
        return config;
      }
    });
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    gc = new JvmGcMetrics();
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    Gauge.builder("tandem.build.info", () -> 1.0)
        .description("Build of the running service; always 1")
        .tag("version", build.version())
        .tag("commit", build.commit())
        .register(registry);
  }

  /** Records how long the service took from the JVM's start until it was ready (tandem_startup_seconds). */
  public void startedIn(Duration sinceJvmStart) {
    double seconds = sinceJvmStart.toMillis() / 1000.0;
    Gauge.builder("tandem.startup", () -> seconds)
        .description("Time from the JVM's start until the service was ready")
        .baseUnit("seconds")
        .register(registry);
  }

  private static double[] toNanos(Duration[] ds) {
    double[] out = new double[ds.length];
    for (int i = 0; i < ds.length; i++) {
      out[i] = ds[i].toNanos();
    }
    return out;
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Options for Vert.x: HTTP server metrics with bounded labels, into this registry. */
  public MicrometerMetricsOptions vertxOptions() {
    return new MicrometerMetricsOptions()
        .setEnabled(true)
        .setRegistryName(registryName)
        .setJvmMetricsEnabled(false)
        .setLabels(EnumSet.of(Label.HTTP_ROUTE, Label.HTTP_METHOD, Label.HTTP_CODE, Label.POOL_TYPE, Label.POOL_NAME, Label.LOCAL));
  }

  @Override
  public void close() {
    gc.close();
    registry.close();
  }
}
