package dev.tandem.service.http;

import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/** GET /api/v1/hello?name= : a greeting and which host, zone and version answered. */
public final class HelloHandler implements Handler<RoutingContext> {

  public static final int MAX_NAME_LENGTH = 64;

  private final ServedBy servedBy;

  public HelloHandler(ServedBy servedBy) {
    this.servedBy = servedBy;
  }

  @Override
  public void handle(RoutingContext ctx) {
    List<String> names = ctx.queryParam("name");
    String name = "world";
    if (!names.isEmpty()) {
      name = names.get(0);
      String problem = null;
      if (names.size() > 1) {
        problem = "give name at most once";
      } else if (name.isEmpty()) {
        problem = "must not be empty";
      } else if (name.codePointCount(0, name.length()) > MAX_NAME_LENGTH) {
        problem = "must be at most " + MAX_NAME_LENGTH + " characters";
      } else if (name.codePoints().anyMatch(Character::isISOControl)) {
        problem = "must not contain control characters";
      }
      if (problem != null) {
        Problem.invalid(ctx, servedBy, List.of(new Problem.FieldError("name", problem)));
        return;
      }
    }
    JsonObject body = new JsonObject().put("greeting", "Hello, " + name + "!");
    Json.ok(ctx, servedBy.addTo(body));
  }
}
