package dev.tandem.service.http;

import static net.logstash.logback.argument.StructuredArguments.kv;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One JSON access-log line per request (logger "tandem.access"): method, route template, path,
 * status, duration_ms, request_id, remote address. The route is the matched template, never the raw
 * path, so the field has bounded cardinality.
 */
public final class AccessLogHandler implements Handler<RoutingContext> {

  private static final Logger ACCESS = LoggerFactory.getLogger("tandem.access");
  private static final String ROUTE_KEY = "tandem.route";

  /** Remembers the matched route template; registered on each API route before its handler. */
  public static Handler<RoutingContext> routeTag(String template) {
    return ctx -> {
      ctx.put(ROUTE_KEY, template);
      ctx.next();
    };
  }

  @Override
  public void handle(RoutingContext ctx) {
    long start = System.nanoTime();
    ctx.addEndHandler(done -> log(ctx, start));
    ctx.next();
  }

  private static void log(RoutingContext ctx, long startNanos) {
    HttpServerRequest req = ctx.request();
    String route = ctx.get(ROUTE_KEY);
    if (route == null) {
      Route current = ctx.currentRoute();
      route = current != null && current.getPath() != null ? current.getPath() : "unmatched";
    }
    SocketAddress remote = req.remoteAddress();
    double durationMs = (System.nanoTime() - startNanos) / 1_000_000.0;
    // A constant message: the fields carry the data, and nothing is formatted on the event loop.
    ACCESS.info("access", kv("method", req.method().name()), kv("path", req.path()),
        kv("status", ctx.response().getStatusCode()),
        kv("route", route),
        kv("duration_ms", Math.round(durationMs * 1000.0) / 1000.0),
        kv("request_id", RequestIdHandler.requestId(ctx)),
        kv("remote", remote == null ? null : remote.hostAddress()),
        // the client as the load balancer saw it (it drops whatever the client sent in this header)
        kv("forwarded_for", req.getHeader("X-Forwarded-For")));
  }
}
