package dev.tandem.service.http;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/** RFC 9457 problem details, written as application/problem+json. */
public final class Problem {

  public static final String CONTENT_TYPE = "application/problem+json";

  /** One invalid input: the field (or query parameter) and what is wrong with it. */
  public record FieldError(String field, String detail) {}

  private Problem() {}

  public static void send(RoutingContext ctx, ServedBy servedBy, int status, String slug, String title,
      String detail, List<FieldError> errors) {
    if (ctx.response().ended() || ctx.response().closed()) {
      return;
    }
    JsonObject body = new JsonObject()
        .put("type", "urn:tandem:problem:" + slug)
        .put("title", title)
        .put("status", status)
        .put("detail", detail)
        .put("instance", ctx.request().path());
    String requestId = RequestIdHandler.requestId(ctx);
    if (requestId != null) {
      body.put("request_id", requestId);
    }
    if (errors != null && !errors.isEmpty()) {
      JsonArray list = new JsonArray();
      for (FieldError e : errors) {
        list.add(new JsonObject().put("field", e.field()).put("detail", e.detail()));
      }
      body.put("errors", list);
    }
    servedBy.addTo(body);
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", CONTENT_TYPE)
        .end(body.encode());
  }

  /** 400 for invalid fields, naming each one. */
  public static void invalid(RoutingContext ctx, ServedBy servedBy, List<FieldError> errors) {
    StringBuilder detail = new StringBuilder();
    for (FieldError e : errors) {
      if (detail.length() > 0) {
        detail.append("; ");
      }
      detail.append(e.field()).append(": ").append(e.detail());
    }
    send(ctx, servedBy, 400, "validation-error", "Invalid request", detail.toString(), errors);
  }
}
