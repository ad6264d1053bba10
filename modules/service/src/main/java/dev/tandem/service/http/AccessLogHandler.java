package dev.tandem.service.http;

import static net.logstash.logback.argument.StructuredArguments.kv;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One JSON access-log line per request (logger "tandem.access"): method, route template, path,
 * status, duration_ms, request_id, remote address, and the trace_id / span_id of the request's
 * server span. The route is the matched template, never the raw path, so the field has bounded
 * cardinality.
 *
 * <p>Trace ids: the OpenTelemetry javaagent opens the server span before the router runs and makes it
 * current while the handlers are called, so {@link #handle} reads it there; the line itself is written
 * by an end handler, which may run later from another callback (a timer, a write completing) where
 * that span is no longer current. Without the agent every span is invalid and both fields are null.
 */
public final class AccessLogHandler implements Handler<RoutingContext> {

  private static final Logger ACCESS = LoggerFactory.getLogger("tandem.access");
  private static final String ROUTE_KEY = "tandem.route";
  private static final String SPAN_KEY = "tandem.spanContext";

  /** Remembers the matched route template; registered on each API route before its handler. */
  public static Handler<RoutingContext> routeTag(String template) {
    return ctx -> {
      ctx.put(ROUTE_KEY, template);
      ctx.next();
    };
  }

  /** The span context of the request, as it was current when this handler ran (invalid without the agent). */
  public static SpanContext spanContext(RoutingContext ctx) {
    SpanContext span = ctx.get(SPAN_KEY);
    return span != null ? span : SpanContext.getInvalid();
  }

  @Override
  public void handle(RoutingContext ctx) {
    long start = System.nanoTime();
    ctx.put(SPAN_KEY, Span.current().getSpanContext());
    ctx.addEndHandler(done -> log(ctx, start));
    ctx.next();
  }

  @SuppressWarnings("try") // the scope is only held, never referenced
  private static void log(RoutingContext ctx, long startNanos) {
    HttpServerRequest req = ctx.request();
    String route = ctx.get(ROUTE_KEY);
    if (route == null) {
      Route current = ctx.currentRoute();
      route = current != null && current.getPath() != null ? current.getPath() : "unmatched";
    }
    SocketAddress remote = req.remoteAddress();
    double durationMs = (System.nanoTime() - startNanos) / 1_000_000.0;
    SpanContext span = spanContext(ctx);
    boolean traced = span.isValid();
    // Logged with no span current: the agent's Logback MDC instrumentation would otherwise add its
    // own trace_id / span_id (when the span happens to be current here) and the line would carry
    // each key twice.
    try (Scope noSpan = Context.root().makeCurrent()) {
      // A constant message: the fields carry the data, and nothing is formatted on the event loop.
      ACCESS.info("access", kv("method", req.method().name()), kv("path", req.path()),
          kv("status", ctx.response().getStatusCode()),
          kv("route", route),
          kv("duration_ms", Math.round(durationMs * 1000.0) / 1000.0),
          kv("request_id", RequestIdHandler.requestId(ctx)),
          kv("remote", remote == null ? null : remote.hostAddress()),
          // the client as the load balancer saw it (it drops whatever the client sent in this header)
          kv("forwarded_for", req.getHeader("X-Forwarded-For")),
          kv("trace_id", traced ? span.getTraceId() : null),
          kv("span_id", traced ? span.getSpanId() : null));
    }
  }
}
