package dev.tandem.service.lifecycle;

import dev.tandem.service.config.BuildInfo;
import dev.tandem.service.config.TandemConfig;
import dev.tandem.service.http.ApiVerticle;
import dev.tandem.service.http.ManagementVerticle;
import dev.tandem.service.http.ServedBy;
import dev.tandem.service.metrics.Metrics;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Wires config, metrics, the two servers and the lifecycle together. */
public final class TandemService {

  private static final Logger LOG = LoggerFactory.getLogger(TandemService.class);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

  private final TandemConfig config;
  private final Vertx vertx;
  private final Lifecycle lifecycle;
  private final ApiVerticle api;
  private final ManagementVerticle management;
  private final Metrics metrics;

  private TandemService(TandemConfig config, Vertx vertx, Lifecycle lifecycle, ApiVerticle api,
      ManagementVerticle management, Metrics metrics) {
    this.config = config;
    this.vertx = vertx;
    this.lifecycle = lifecycle;
    this.api = api;
    this.management = management;
    this.metrics = metrics;
  }

  /** Starts both servers and returns once the service is ready (blocks the calling, non event-loop thread). */
  public static TandemService start(TandemConfig config, BuildInfo build)
      throws InterruptedException, ExecutionException, TimeoutException {
    long t0 = System.nanoTime();
    Metrics metrics = config.metricsEnabled() ? new Metrics(build) : null;
    VertxOptions options = new VertxOptions();
    VertxBuilder builder = Vertx.builder();
    if (metrics != null) {
      options.setMetricsOptions(metrics.vertxOptions());
      builder.withMetrics(new MicrometerMetricsFactory(metrics.registry()));
    }
    Vertx vertx = builder.with(options).build();
    ServedBy servedBy = new ServedBy(config.hostName(), config.zone(), build.version());
    Lifecycle lifecycle = new Lifecycle(config.drainDelayMs(), config.shutdownTimeoutMs());
    ApiVerticle api = new ApiVerticle(config, servedBy);
    ManagementVerticle management = new ManagementVerticle(config, servedBy, lifecycle,
        metrics == null ? null : metrics.registry());
    try {
      vertx.deployVerticle(management)
          .compose(id -> vertx.deployVerticle(api))
          .toCompletionStage().toCompletableFuture()
          .get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException | InterruptedException e) {
      vertx.close();
      throw e;
    }
    lifecycle.ready(vertx, api.server());
    Duration sinceJvmStart = Duration.ofMillis(
        System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime());
    if (metrics != null) {
      metrics.startedIn(sinceJvmStart);
    }
    TandemService service = new TandemService(config, vertx, lifecycle, api, management, metrics);
    LOG.info("ready in {} ms ({} ms after the JVM started): api {}:{}, management {}:{}, host {}, zone {}, "
        + "version {}, commit {}", (System.nanoTime() - t0) / 1_000_000, sinceJvmStart.toMillis(),
        config.bindAddress(), service.apiPort(),
        config.managementBindAddress(), service.managementPort(), config.hostName(), config.zone(),
        build.version(), build.commit());
    return service;
  }

  public int apiPort() {
    return api.server().actualPort();
  }

  public int managementPort() {
    return management.server().actualPort();
  }

  public Lifecycle lifecycle() {
    return lifecycle;
  }

  public ApiVerticle api() {
    return api;
  }

  public Vertx vertx() {
    return vertx;
  }

  public TandemConfig config() {
    return config;
  }

  /** Runs the full shutdown sequence and waits for it. */
  public void shutdownAndWait(Duration timeout) throws InterruptedException, ExecutionException, TimeoutException {
    lifecycle.shutdown().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (metrics != null) {
      metrics.close();
    }
  }
}
