package dev.tandem.service.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import dev.tandem.service.TestService;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Scope;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import net.logstash.logback.encoder.LogstashEncoder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

/**
 * The access line's trace_id / span_id: null without a span (no agent), the request's span when one
 * is current while the handlers run (as the OpenTelemetry javaagent makes it), also when the answer
 * is sent later from a callback outside that span.
 */
@ExtendWith(VertxExtension.class)
class AccessLogHandlerTest {

  private static final SpanContext SPAN = SpanContext.create("4bf92f3577b34da6a3ce929d0e0e4736",
      "00f067aa0ba902b7", TraceFlags.getSampled(), TraceState.getDefault());

  /** The JSON lines of logger "tandem.access", encoded as in production (LogstashEncoder). */
  private final List<JsonObject> lines = new CopyOnWriteArrayList<>();
  private final Logger access = (Logger) LoggerFactory.getLogger("tandem.access");
  private Level levelBefore;
  private boolean additiveBefore;
  private AppenderBase<ILoggingEvent> capture;

  @BeforeEach
  void captureAccessLines() {
    LogstashEncoder encoder = new LogstashEncoder();
    encoder.setContext(access.getLoggerContext());
    encoder.start();
    capture = new AppenderBase<>() {
      @Override
      protected void append(ILoggingEvent event) {
        lines.add(new JsonObject(new String(encoder.encode(event), StandardCharsets.UTF_8)));
      }
    };
    capture.setContext(access.getLoggerContext());
    capture.start();
    levelBefore = access.getLevel();
    additiveBefore = access.isAdditive();
    access.setLevel(Level.INFO);
    access.setAdditive(false);
    access.addAppender(capture);
  }

  @AfterEach
  void restoreLogger() {
    access.detachAppender(capture);
    access.setLevel(levelBefore);
    access.setAdditive(additiveBefore);
    capture.stop();
  }

  /** Serves GET /x through the access log; `outer` runs first (where the agent's span would be made current). */
  private JsonObject accessLineOf(Vertx vertx, Handler<RoutingContext> outer, Handler<RoutingContext> answer)
      throws Exception {
    Router router = Router.router(vertx);
    router.route().handler(outer);
    router.route().handler(new AccessLogHandler());
    router.get("/x").handler(AccessLogHandler.routeTag("/x")).handler(answer);
    HttpClient client = vertx.createHttpClient();
    int status = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
        .compose((HttpServer server) -> client.request(HttpMethod.GET, server.actualPort(), "127.0.0.1", "/x"))
        .compose(req -> req.send())
        .compose((HttpClientResponse resp) -> resp.body().map(body -> resp.statusCode()))
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertEquals(200, status);
    TestService.await("the access line of GET /x", Duration.ofSeconds(10), () -> !lines.isEmpty());
    assertEquals(1, lines.size(), lines.toString());
    JsonObject line = lines.get(0);
    assertEquals("/x", line.getString("route"), line.encode());
    return line;
  }

  private static Handler<RoutingContext> withSpan(SpanContext span) {
    return rc -> {
      try (Scope scope = Span.wrap(span).makeCurrent()) {
        rc.next();
      }
    };
  }

  @Test
  void noSpanMeansNullTraceId(Vertx vertx) throws Exception {
    JsonObject line = accessLineOf(vertx, RoutingContext::next, rc -> rc.response().end("ok"));
    assertTrue(line.containsKey("trace_id") && line.containsKey("span_id"), "the keys are there: " + line.encode());
    assertNull(line.getValue("trace_id"), line.encode());
    assertNull(line.getValue("span_id"), line.encode());
  }

  @Test
  void theCurrentSpanIsLogged(Vertx vertx) throws Exception {
    JsonObject line = accessLineOf(vertx, withSpan(SPAN), rc -> rc.response().end("ok"));
    assertEquals(SPAN.getTraceId(), line.getString("trace_id"), line.encode());
    assertEquals(SPAN.getSpanId(), line.getString("span_id"), line.encode());
  }

  @Test
  void theSpanIsKeptForAnAnswerSentOutsideIt(Vertx vertx) throws Exception {
    List<Boolean> currentInTimer = new CopyOnWriteArrayList<>();
    JsonObject line = accessLineOf(vertx, withSpan(SPAN), rc -> vertx.setTimer(20, id -> {
      currentInTimer.add(Span.current().getSpanContext().isValid());
      rc.response().end("later");
    }));
    assertEquals(List.of(false), currentInTimer, "the timer runs outside the span's scope");
    assertEquals(SPAN.getTraceId(), line.getString("trace_id"), line.encode());
    assertEquals(SPAN.getSpanId(), line.getString("span_id"), line.encode());
  }

  @Test
  void theLineIsWrittenWithNoSpanCurrent(Vertx vertx) throws Exception {
    List<Boolean> currentWhileLogging = new CopyOnWriteArrayList<>();
    AppenderBase<ILoggingEvent> probe = new AppenderBase<>() {
      @Override
      protected void append(ILoggingEvent event) {
        currentWhileLogging.add(Span.current().getSpanContext().isValid());
      }
    };
    probe.setContext(access.getLoggerContext());
    probe.start();
    access.addAppender(probe);
    try {
      // The answer is sent inside the span's scope, so the end handler runs with it current; the
      // line must still be logged without it (else the agent's MDC adds a second trace_id).
      accessLineOf(vertx, withSpan(SPAN), rc -> rc.response().end("ok"));
    } finally {
      access.detachAppender(probe);
      probe.stop();
    }
    assertEquals(List.of(false), currentWhileLogging);
    assertFalse(Span.current().getSpanContext().isValid(), "no span leaks to the test thread");
  }
}
