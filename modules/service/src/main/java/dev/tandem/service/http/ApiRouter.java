package dev.tandem.service.http;

import dev.tandem.service.config.TandemConfig;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.Map;

/** The public API routes. Health and metrics are deliberately absent: they live on the management port. */
public final class ApiRouter {

  public static final String HELLO = "/api/v1/hello";
  public static final String ECHO = "/api/v1/echo";
  public static final String WORK = "/api/v1/work";

  private ApiRouter() {}

  public static Router create(Vertx vertx, TandemConfig config, ServedBy servedBy, WorkHandler work) {
    Router router = Router.router(vertx);
    router.route().handler(new RequestIdHandler(servedBy));
    if (config.accessLogEnabled()) {
      router.route().handler(new AccessLogHandler());
    }
    EchoHandler echo = new EchoHandler(servedBy);
    router.get(HELLO).handler(AccessLogHandler.routeTag(HELLO)).handler(new HelloHandler(servedBy));
    // One route per template (the metrics route label is the template). Vert.x Web runs body
    // handlers first on a route: 413 (size limit) is checked before 415 (content type).
    router.post(ECHO)
        .handler(BodyHandler.create(false).setBodyLimit(config.maxBodyBytes()))
        .handler(AccessLogHandler.routeTag(ECHO))
        .handler(echo.requireJson())
        .handler(echo);
    router.get(WORK).handler(AccessLogHandler.routeTag(WORK)).handler(work);
    ErrorHandlers.install(router, servedBy, Map.of(HELLO, "GET", ECHO, "POST", WORK, "GET"));
    return router;
  }
}
