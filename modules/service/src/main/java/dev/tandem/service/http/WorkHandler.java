package dev.tandem.service.http;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * GET /api/v1/work?ms=N answers after N ms using a Vert.x timer (the event loop is never blocked).
 * N must be a whole number 0..max. This is the in-flight request that drain tests hold open.
 */
public final class WorkHandler implements Handler<RoutingContext> {

  private final Vertx vertx;
  private final ServedBy servedBy;
  private final long maxMs;
  private final AtomicInteger inFlight = new AtomicInteger();

  public WorkHandler(Vertx vertx, ServedBy servedBy, long maxMs) {
    this.vertx = vertx;
    this.servedBy = servedBy;
    this.maxMs = maxMs;
  }

  /** Requests waiting on their timer right now. */
  public int inFlight() {
    return inFlight.get();
  }

  @Override
  public void handle(RoutingContext ctx) {
    List<String> values = ctx.queryParam("ms");
    long ms;
    try {
      if (values.size() != 1) {
        throw new NumberFormatException();
      }
      ms = Long.parseLong(values.get(0));
    } catch (NumberFormatException e) {
      Problem.invalid(ctx, servedBy, List.of(new Problem.FieldError("ms", "must be one whole number 0.." + maxMs)));
      return;
    }
    if (ms < 0 || ms > maxMs) {
      Problem.invalid(ctx, servedBy, List.of(new Problem.FieldError("ms", "must be 0.." + maxMs)));
      return;
    }
    long started = System.nanoTime();
    if (ms == 0) {
      answer(ctx, ms, started);
      return;
    }
    inFlight.incrementAndGet();
    long timer = vertx.setTimer(ms, id -> {
      inFlight.decrementAndGet();
      answer(ctx, ms, started);
    });
    ctx.response().closeHandler(v -> {
      if (vertx.cancelTimer(timer)) {
        inFlight.decrementAndGet();
      }
    });
  }

  private void answer(RoutingContext ctx, long ms, long startedNanos) {
    if (ctx.response().ended() || ctx.response().closed()) {
      return;
    }
    long took = (System.nanoTime() - startedNanos) / 1_000_000;
    Json.ok(ctx, servedBy.addTo(new JsonObject().put("requested_ms", ms).put("took_ms", took)));
  }
}
