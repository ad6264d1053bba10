package dev.tandem.service.http;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Turns router failures (404, 405, 413, 415, 500 ...) into problem+json answers. */
public final class ErrorHandlers {

  private static final Logger LOG = LoggerFactory.getLogger(ErrorHandlers.class);

  private ErrorHandlers() {}

  /**
   * @param allowed path template to the methods it accepts, for the Allow header of 405 answers
   */
  public static void install(Router router, ServedBy servedBy, Map<String, String> allowed) {
    router.errorHandler(404, ctx -> Problem.send(ctx, servedBy, 404, "not-found", "Not Found",
        "no route for " + ctx.request().path(), null));
    router.errorHandler(405, ctx -> {
      String allow = allowed.get(ctx.request().path());
      if (allow != null) {
        ctx.response().putHeader("Allow", allow);
      }
      Problem.send(ctx, servedBy, 405, "method-not-allowed", "Method Not Allowed",
          ctx.request().method().name() + " is not allowed on " + ctx.request().path()
              + (allow == null ? "" : "; allowed: " + allow), null);
    });
    router.errorHandler(413, ctx -> Problem.send(ctx, servedBy, 413, "payload-too-large", "Payload Too Large",
        "the request body is larger than the limit", List.of(new Problem.FieldError("body", "too large"))));
    router.errorHandler(415, ctx -> Problem.send(ctx, servedBy, 415, "unsupported-media-type",
        "Unsupported Media Type", "Content-Type must be application/json",
        List.of(new Problem.FieldError("Content-Type", "must be application/json"))));
    router.errorHandler(400, ctx -> Problem.send(ctx, servedBy, 400, "bad-request", "Bad Request",
        "the request could not be read", null));
    router.errorHandler(500, ctx -> internal(ctx, servedBy));
  }

  private static void internal(RoutingContext ctx, ServedBy servedBy) {
    if (ctx.failure() != null) {
      LOG.error("request {} failed", RequestIdHandler.requestId(ctx), ctx.failure());
    }
    Problem.send(ctx, servedBy, 500, "internal-error", "Internal Server Error",
        "the request failed; quote the request id when reporting it", null);
  }
}
