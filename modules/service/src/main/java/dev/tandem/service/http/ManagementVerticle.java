package dev.tandem.service.http;

import dev.tandem.service.config.TandemConfig;
import dev.tandem.service.health.HealthRoutes;
import dev.tandem.service.lifecycle.Lifecycle;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.util.Map;

/**
 * The management port: /health/live, /health/ready and (when metrics are enabled) /metrics. Kept
 * off the public port so that load balancers and scrapers never share it with clients.
 */
public final class ManagementVerticle extends VerticleBase {

  public static final String LIVE = "/health/live";
  public static final String READY = "/health/ready";
  public static final String METRICS = "/metrics";

  private final TandemConfig config;
  private final ServedBy servedBy;
  private final Lifecycle lifecycle;
  private final PrometheusMeterRegistry registry;
  private volatile HttpServer server;

  /** @param registry null when metrics are disabled */
  public ManagementVerticle(TandemConfig config, ServedBy servedBy, Lifecycle lifecycle,
      PrometheusMeterRegistry registry) {
    this.config = config;
    this.servedBy = servedBy;
    this.lifecycle = lifecycle;
    this.registry = registry;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.route().handler(new RequestIdHandler(servedBy));
    HealthRoutes.install(vertx, router, lifecycle, servedBy.version());
    if (registry != null) {
      router.get(METRICS).handler(PrometheusScrapingHandler.create(registry));
    }
    ErrorHandlers.install(router, servedBy, Map.of(LIVE, "GET", READY, "GET", METRICS, "GET"));
    HttpServerOptions options = new HttpServerOptions()
        .setHost(config.managementBindAddress())
        .setPort(config.managementPort());
    return vertx.createHttpServer(options).requestHandler(router).listen().onSuccess(s -> server = s);
  }

  public HttpServer server() {
    return server;
  }
}
