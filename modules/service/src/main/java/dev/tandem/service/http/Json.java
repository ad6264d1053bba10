package dev.tandem.service.http;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

final class Json {
  private Json() {}

  static void ok(RoutingContext ctx, JsonObject body) {
    ctx.response().putHeader("Content-Type", "application/json").end(body.encode());
  }
}
