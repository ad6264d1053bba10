package dev.tandem.service.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class RequestIdHandlerTest {

  @Test
  void validation() {
    assertTrue(RequestIdHandler.isValid("a"));
    assertTrue(RequestIdHandler.isValid("x".repeat(128)));
    assertFalse(RequestIdHandler.isValid("x".repeat(129)));
    assertFalse(RequestIdHandler.isValid(""));
    assertFalse(RequestIdHandler.isValid(null));
    assertFalse(RequestIdHandler.isValid("a b"));
    assertFalse(RequestIdHandler.isValid("a\r\nSet-Cookie: x"));
  }

  @Test
  void handlerEchoesTheIdAndExposesIt(Vertx vertx, VertxTestContext ctx) {
    Router router = Router.router(vertx);
    router.route().handler(new RequestIdHandler(new ServedBy("h", "z", "v")));
    router.get("/id").handler(rc -> rc.response().end(RequestIdHandler.requestId(rc)));
    HttpClient client = vertx.createHttpClient();
    vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
        .compose((HttpServer server) -> client.request(HttpMethod.GET, server.actualPort(), "127.0.0.1", "/id"))
        .compose(req -> req.putHeader("X-Request-Id", "given-1").send())
        .compose((HttpClientResponse resp) -> resp.body().map(body -> {
          assertEquals("given-1", resp.getHeader("X-Request-Id"));
          assertEquals("h", resp.getHeader("X-Tandem-Host"));
          assertEquals("given-1", body.toString());
          return body;
        }))
        .onComplete(ctx.succeedingThenComplete());
  }
}
