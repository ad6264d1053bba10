package dev.tandem.service.http;

import dev.tandem.service.config.TandemConfig;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;

/** Serves the public API on TANDEM_BIND_ADDRESS:TANDEM_HTTP_PORT. */
public final class ApiVerticle extends VerticleBase {

  private final TandemConfig config;
  private final ServedBy servedBy;
  private volatile HttpServer server;
  private volatile WorkHandler work;

  public ApiVerticle(TandemConfig config, ServedBy servedBy) {
    this.config = config;
    this.servedBy = servedBy;
  }

  @Override
  public Future<?> start() {
    work = new WorkHandler(vertx, servedBy, config.maxWorkMs());
    HttpServerOptions options = new HttpServerOptions()
        .setHost(config.bindAddress())
        .setPort(config.httpPort());
    return vertx.createHttpServer(options)
        .requestHandler(ApiRouter.create(vertx, config, servedBy, work))
        .listen()
        .onSuccess(s -> server = s);
  }

  public HttpServer server() {
    return server;
  }

  public WorkHandler work() {
    return work;
  }
}
