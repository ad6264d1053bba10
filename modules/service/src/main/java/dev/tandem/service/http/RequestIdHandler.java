package dev.tandem.service.http;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Honours an incoming X-Request-Id when it is 1-128 characters of [A-Za-z0-9._:-], otherwise
 * generates a UUID; the id is echoed in the response header and kept on the routing context.
 */
public final class RequestIdHandler implements Handler<RoutingContext> {

  public static final String HEADER = "X-Request-Id";
  public static final int MAX_LENGTH = 128;
  private static final String KEY = "tandem.requestId";
  private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9._:-]{1," + MAX_LENGTH + "}");

  private final ServedBy servedBy;

  public RequestIdHandler(ServedBy servedBy) {
    this.servedBy = servedBy;
  }

  public static boolean isValid(String id) {
    return id != null && SAFE.matcher(id).matches();
  }

  public static String requestId(RoutingContext ctx) {
    return ctx.get(KEY);
  }

  @Override
  public void handle(RoutingContext ctx) {
    String incoming = ctx.request().getHeader(HEADER);
    String id = isValid(incoming) ? incoming : UUID.randomUUID().toString();
    ctx.put(KEY, id);
    ctx.response().putHeader(HEADER, id);
    servedBy.addHeaders(ctx.response());
    ctx.next();
  }
}
