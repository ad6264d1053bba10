package dev.tandem.service.http;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * POST /api/v1/echo with {"message": string, 1..256 characters, required; "repeat": integer 1..10,
 * optional, default 1}. Answers {"message", "repeat", "echo": [message x repeat]} plus host, zone,
 * version. Unknown fields are rejected so that typos are not silently ignored.
 */
public final class EchoHandler implements Handler<RoutingContext> {

  public static final int MAX_MESSAGE_LENGTH = 256;
  public static final int MAX_REPEAT = 10;
  private static final Set<String> FIELDS = Set.of("message", "repeat");

  private final ServedBy servedBy;

  public EchoHandler(ServedBy servedBy) {
    this.servedBy = servedBy;
  }

  /** 415 unless the request says Content-Type: application/json (parameters such as charset allowed). */
  public Handler<RoutingContext> requireJson() {
    return ctx -> {
      String ct = ctx.request().getHeader("Content-Type");
      String media = ct == null ? "" : ct.split(";", 2)[0].trim();
      if (!media.equalsIgnoreCase("application/json")) {
        Problem.send(ctx, servedBy, 415, "unsupported-media-type", "Unsupported Media Type",
            "Content-Type must be application/json, got " + (ct == null ? "none" : "'" + ct + "'"),
            List.of(new Problem.FieldError("Content-Type", "must be application/json")));
        return;
      }
      ctx.next();
    };
  }

  @Override
  public void handle(RoutingContext ctx) {
    Buffer raw = ctx.body().buffer();
    if (raw == null || raw.length() == 0) {
      Problem.invalid(ctx, servedBy, List.of(new Problem.FieldError("body", "a JSON object is required")));
      return;
    }
    Object parsed;
    try {
      parsed = io.vertx.core.json.Json.decodeValue(raw);
    } catch (DecodeException e) {
      Problem.invalid(ctx, servedBy, List.of(new Problem.FieldError("body", "malformed JSON")));
      return;
    }
    if (!(parsed instanceof JsonObject)) {
      Problem.invalid(ctx, servedBy, List.of(new Problem.FieldError("body", "must be a JSON object")));
      return;
    }
    JsonObject in = (JsonObject) parsed;
    List<Problem.FieldError> errors = new ArrayList<>();
    for (String f : in.fieldNames()) {
      if (!FIELDS.contains(f)) {
        errors.add(new Problem.FieldError(f, "unknown field"));
      }
    }
    Object message = in.getValue("message");
    if (message == null) {
      errors.add(new Problem.FieldError("message", "is required"));
    } else if (!(message instanceof String)) {
      errors.add(new Problem.FieldError("message", "must be a string"));
    } else {
      String m = (String) message;
      int len = m.codePointCount(0, m.length());
      if (len < 1 || len > MAX_MESSAGE_LENGTH) {
        errors.add(new Problem.FieldError("message", "must be 1.." + MAX_MESSAGE_LENGTH + " characters"));
      }
    }
    int repeat = 1;
    if (in.containsKey("repeat")) {
      Object r = in.getValue("repeat");
      if (!(r instanceof Integer || r instanceof Long)) {
        errors.add(new Problem.FieldError("repeat", "must be an integer"));
      } else {
        long n = ((Number) r).longValue();
        if (n < 1 || n > MAX_REPEAT) {
          errors.add(new Problem.FieldError("repeat", "must be 1.." + MAX_REPEAT));
        } else {
          repeat = (int) n;
        }
      }
    }
    if (!errors.isEmpty()) {
      Problem.invalid(ctx, servedBy, errors);
      return;
    }
    JsonArray echo = new JsonArray();
    for (int i = 0; i < repeat; i++) {
      echo.add(message);
    }
    Json.ok(ctx, servedBy.addTo(new JsonObject().put("message", message).put("repeat", repeat).put("echo", echo)));
  }
}
