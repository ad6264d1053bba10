package dev.tandem.service.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.service.TestService;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every API endpoint and error path against the real servers on loopback. */
class ApiTest {

  private static TestService svc;

  @BeforeAll
  static void start() throws Exception {
    svc = TestService.start(Map.of("TANDEM_MAX_BODY_BYTES", "1024", "TANDEM_MAX_WORK_MS", "1000"));
  }

  @AfterAll
  static void stop() throws Exception {
    svc.close();
  }

  private static JsonObject json(HttpResponse<String> r) {
    return new JsonObject(r.body());
  }

  private static void assertServedBy(HttpResponse<String> r) {
    JsonObject body = json(r);
    assertEquals("test-host", body.getString("host"));
    assertEquals("zone-a", body.getString("zone"));
    assertEquals("9.9.9-test", body.getString("version"));
    assertEquals("test-host", r.headers().firstValue("X-Tandem-Host").orElse(null));
    assertEquals("zone-a", r.headers().firstValue("X-Tandem-Zone").orElse(null));
    assertTrue(r.headers().firstValue("X-Request-Id").isPresent(), "X-Request-Id on every answer");
  }

  /** Asserts an RFC 9457 problem with the given status, and returns it. */
  private static JsonObject assertProblem(HttpResponse<String> r, int status, String field) {
    assertEquals(status, r.statusCode(), r.body());
    assertEquals("application/problem+json", r.headers().firstValue("Content-Type").orElse(null));
    JsonObject p = json(r);
    assertEquals(status, p.getInteger("status"));
    assertTrue(p.getString("type").startsWith("urn:tandem:problem:"), p.encode());
    assertTrue(p.containsKey("title") && p.containsKey("detail") && p.containsKey("instance"), p.encode());
    assertEquals(r.uri().getPath(), p.getString("instance"));
    assertServedBy(r);
    if (field != null) {
      JsonArray errors = p.getJsonArray("errors");
      assertTrue(errors != null && errors.stream().anyMatch(e -> field.equals(((JsonObject) e).getString("field"))),
          "problem names field " + field + ": " + p.encode());
      assertTrue(p.getString("detail").contains(field), p.encode());
    }
    return p;
  }

  @Test
  void helloGreetsAndTellsWhoAnswered() throws Exception {
    HttpResponse<String> r = svc.get(svc.api("/api/v1/hello?name=Ada"));
    assertEquals(200, r.statusCode());
    assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(null));
    assertEquals("Hello, Ada!", json(r).getString("greeting"));
    assertServedBy(r);
    assertEquals("Hello, world!", json(svc.get(svc.api("/api/v1/hello"))).getString("greeting"));
  }

  @Test
  void helloRejectsBadNames() throws Exception {
    assertProblem(svc.get(svc.api("/api/v1/hello?name=" + "x".repeat(65))), 400, "name");
    assertProblem(svc.get(svc.api("/api/v1/hello?name=")), 400, "name");
    assertEquals(200, svc.get(svc.api("/api/v1/hello?name=" + "x".repeat(64))).statusCode());
  }

  @Test
  void echoRepeatsTheMessage() throws Exception {
    HttpResponse<String> r = svc.post(svc.api("/api/v1/echo"), "application/json; charset=utf-8",
        "{\"message\":\"hi\",\"repeat\":3}");
    assertEquals(200, r.statusCode(), r.body());
    JsonObject body = json(r);
    assertEquals(new JsonArray().add("hi").add("hi").add("hi"), body.getJsonArray("echo"));
    assertEquals(3, body.getInteger("repeat"));
    assertServedBy(r);
  }

  @Test
  void echoValidationNamesTheField() throws Exception {
    String echo = "/api/v1/echo";
    assertProblem(svc.post(svc.api(echo), "application/json", "{\"message\": "), 400, "body");
    assertProblem(svc.post(svc.api(echo), "application/json", "[1,2]"), 400, "body");
    assertProblem(svc.post(svc.api(echo), "application/json", ""), 400, "body");
    assertProblem(svc.post(svc.api(echo), "application/json", "{}"), 400, "message");
    assertProblem(svc.post(svc.api(echo), "application/json", "{\"message\":42}"), 400, "message");
    assertProblem(svc.post(svc.api(echo), "application/json", "{\"message\":\"\"}"), 400, "message");
    assertProblem(svc.post(svc.api(echo), "application/json", "{\"message\":\"" + "m".repeat(257) + "\"}"), 400, "message");
    assertProblem(svc.post(svc.api(echo), "application/json", "{\"message\":\"a\",\"repeat\":\"2\"}"), 400, "repeat");
    assertProblem(svc.post(svc.api(echo), "application/json", "{\"message\":\"a\",\"repeat\":1.5}"), 400, "repeat");
    assertProblem(svc.post(svc.api(echo), "application/json", "{\"message\":\"a\",\"repeat\":11}"), 400, "repeat");
    assertProblem(svc.post(svc.api(echo), "application/json", "{\"message\":\"a\",\"mesage\":\"b\"}"), 400, "mesage");
  }

  @Test
  void echoTooLargeIs413() throws Exception {
    String big = "{\"message\":\"" + "a".repeat(2000) + "\"}";
    JsonObject p = assertProblem(svc.post(svc.api("/api/v1/echo"), "application/json", big), 413, "body");
    assertEquals("urn:tandem:problem:payload-too-large", p.getString("type"));
  }

  @Test
  void echoWrongContentTypeIs415() throws Exception {
    assertProblem(svc.post(svc.api("/api/v1/echo"), "text/plain", "{\"message\":\"a\"}"), 415, "Content-Type");
    assertProblem(svc.post(svc.api("/api/v1/echo"), null, "{\"message\":\"a\"}"), 415, "Content-Type");
  }

  @Test
  void unknownRouteIs404AndWrongMethodIs405WithAllow() throws Exception {
    assertProblem(svc.get(svc.api("/api/v1/nope")), 404, null);
    HttpResponse<String> r = svc.http.send(HttpRequest.newBuilder(svc.api("/api/v1/hello"))
        .method("DELETE", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertProblem(r, 405, null);
    assertEquals("GET", r.headers().firstValue("Allow").orElse(null));
    HttpResponse<String> get = svc.get(svc.api("/api/v1/echo"));
    assertProblem(get, 405, null);
    assertEquals("POST", get.headers().firstValue("Allow").orElse(null));
  }

  @Test
  void healthAndMetricsAreNotOnTheApiPort() throws Exception {
    assertProblem(svc.get(svc.api("/metrics")), 404, null);
    assertProblem(svc.get(svc.api("/health/ready")), 404, null);
    assertProblem(svc.get(svc.api("/health/live")), 404, null);
  }

  @Test
  void healthIsOnTheManagementPort() throws Exception {
    HttpResponse<String> live = svc.get(svc.management("/health/live"));
    assertEquals(200, live.statusCode(), live.body());
    assertEquals("UP", json(live).getString("status"));
    HttpResponse<String> ready = svc.get(svc.management("/health/ready"));
    assertEquals(200, ready.statusCode(), ready.body());
    assertEquals("UP", json(ready).getString("status"));
    JsonObject lifecycle = json(ready).getJsonArray("checks").getJsonObject(0);
    assertEquals(TestService.BUILD.version(), lifecycle.getJsonObject("data").getString("version"), ready.body());
    assertProblem(svc.get(svc.management("/api/v1/hello")), 404, null);
  }

  @Test
  void workAnswersAfterTheDelay() throws Exception {
    long t0 = System.nanoTime();
    HttpResponse<String> r = svc.get(svc.api("/api/v1/work?ms=150"));
    long tookMs = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(150, json(r).getInteger("requested_ms"));
    assertTrue(tookMs >= 150, "answered after " + tookMs + " ms");
    assertServedBy(r);
    assertEquals(200, svc.get(svc.api("/api/v1/work?ms=0")).statusCode());
  }

  @Test
  void workBoundsAreEnforced() throws Exception {
    assertProblem(svc.get(svc.api("/api/v1/work?ms=1001")), 400, "ms");
    assertProblem(svc.get(svc.api("/api/v1/work?ms=-1")), 400, "ms");
    assertProblem(svc.get(svc.api("/api/v1/work?ms=abc")), 400, "ms");
    assertProblem(svc.get(svc.api("/api/v1/work")), 400, "ms");
  }

  @Test
  void workDoesNotBlockTheEventLoop() throws Exception {
    var slow = svc.http.sendAsync(HttpRequest.newBuilder(svc.api("/api/v1/work?ms=800")).build(),
        HttpResponse.BodyHandlers.ofString());
    TestService.await("the work request is in flight", Duration.ofSeconds(5),
        () -> svc.service.api().work().inFlight() == 1);
    long t0 = System.nanoTime();
    assertEquals(200, svc.get(svc.api("/api/v1/hello")).statusCode());
    long helloMs = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(!slow.isDone(), "hello answered while work was still pending (" + helloMs + " ms)");
    assertEquals(200, slow.get().statusCode());
  }

  @Test
  void requestIdIsHonouredOrGenerated() throws Exception {
    HttpResponse<String> given = svc.http.send(HttpRequest.newBuilder(svc.api("/api/v1/hello"))
        .header("X-Request-Id", "abc-123_x.y:z").build(), HttpResponse.BodyHandlers.ofString());
    assertEquals("abc-123_x.y:z", given.headers().firstValue("X-Request-Id").orElse(null));
    HttpResponse<String> unsafe = svc.http.send(HttpRequest.newBuilder(svc.api("/api/v1/hello"))
        .header("X-Request-Id", "bad id<script>").build(), HttpResponse.BodyHandlers.ofString());
    String replaced = unsafe.headers().firstValue("X-Request-Id").orElse("");
    assertNotEquals("bad id<script>", replaced);
    assertTrue(replaced.matches("[0-9a-f-]{36}"), replaced);
    HttpResponse<String> tooLong = svc.http.send(HttpRequest.newBuilder(svc.api("/api/v1/nope"))
        .header("X-Request-Id", "a".repeat(129)).build(), HttpResponse.BodyHandlers.ofString());
    String id = tooLong.headers().firstValue("X-Request-Id").orElse("");
    assertTrue(id.matches("[0-9a-f-]{36}"), id);
    assertEquals(id, json(tooLong).getString("request_id"), "problem carries the same request id");
  }
}
