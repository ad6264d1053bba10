package dev.tandem.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The real process: exit 78 on bad config; SIGTERM drains and exits 0. */
class MainProcessTest {

  private static Process launch(Map<String, String> env) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    // The production logging configuration (src/main/resources/logback.xml), not logback-test.xml.
    ProcessBuilder pb = new ProcessBuilder(java, "-Dlogback.configurationFile=logback.xml",
        "-cp", System.getProperty("java.class.path"), "dev.tandem.service.Main");
    pb.environment().keySet().removeIf(k -> k.startsWith("TANDEM_"));
    pb.environment().putAll(env);
    return pb.start();
  }

  @Test
  void badConfigurationExitsWith78AndNamesEveryKey() throws Exception {
    Process p = launch(Map.of("TANDEM_HTTP_PORT", "http", "TANDEM_ZONNE", "a", "TANDEM_METRICS_ENABLED", "maybe"));
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "exits");
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(78, p.exitValue(), err);
    assertTrue(err.contains("invalid configuration (3 problems)"), err);
    assertTrue(err.contains("TANDEM_HTTP_PORT: 'http' is not a whole number"), err);
    assertTrue(err.contains("TANDEM_ZONNE: unknown key (did you mean TANDEM_ZONE?)"), err);
    assertTrue(err.contains("TANDEM_METRICS_ENABLED: 'maybe' is not true or false"), err);
  }

  @Test
  void sigtermDrainsAndExitsZero() throws Exception {
    Process p = launch(Map.of("TANDEM_BIND_ADDRESS", "127.0.0.1", "TANDEM_HTTP_PORT", "0",
        "TANDEM_MANAGEMENT_PORT", "0", "TANDEM_DRAIN_DELAY_MS", "300", "TANDEM_SHUTDOWN_TIMEOUT_MS", "3000"));
    try {
      List<JsonObject> lines = new CopyOnWriteArrayList<>();
      CompletableFuture<int[]> ports = new CompletableFuture<>();
      Pattern ready = Pattern.compile("ready in \\d+ ms \\(\\d+ ms after the JVM started\\): api [^:]+:(\\d+), management [^:]+:(\\d+)");
      Thread reader = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
          String line;
          while ((line = r.readLine()) != null) {
            JsonObject json;
            try {
              json = new JsonObject(line);
            } catch (RuntimeException e) {
              json = new JsonObject().put("message", "NOT JSON: " + line);
            }
            lines.add(json);
            Matcher m = ready.matcher(json.getString("message", ""));
            if (m.find()) {
              ports.complete(new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))});
            }
          }
        } catch (Exception e) {
          ports.completeExceptionally(e);
        }
      });
      reader.start();
      int[] pp = ports.get(30, TimeUnit.SECONDS);
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      HttpResponse<String> hello = http.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + pp[0] + "/api/v1/hello")).header("X-Request-Id", "proc-test-1").build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, hello.statusCode());
      assertEquals(200, http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + pp[1] + "/health/ready"))
          .build(), HttpResponse.BodyHandlers.ofString()).statusCode());

      // SIGTERM. (Process.destroy() would also close our end of the pipes and lose the last lines.)
      assertTrue(p.toHandle().destroy(), "SIGTERM sent");
      assertTrue(p.waitFor(20, TimeUnit.SECONDS), "exits after SIGTERM");
      reader.join(5000);
      String stderr = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(0, p.exitValue(), stderr);
      List<String> messages = lines.stream().map(j -> j.getString("message", "")).toList();
      assertTrue(messages.stream().noneMatch(m -> m.startsWith("NOT JSON")), "stdout is JSON lines: " + messages);
      assertTrue(messages.stream().anyMatch(m -> m.startsWith("shutdown phase 1/3")), messages + " stderr: " + stderr);
      assertTrue(messages.stream().anyMatch(m -> m.startsWith("shutdown phase 2/3")), messages.toString());
      assertTrue(messages.stream().anyMatch(m -> m.startsWith("shutdown phase 3/3")), messages.toString());
      JsonObject access = lines.stream().filter(j -> "tandem.access".equals(j.getString("logger")))
          .findFirst().orElseThrow(() -> new AssertionError("no access log line: " + messages));
      assertEquals("GET", access.getString("method"));
      assertEquals("/api/v1/hello", access.getString("route"));
      assertEquals("/api/v1/hello", access.getString("path"));
      assertEquals(200, access.getInteger("status"));
      assertEquals("proc-test-1", access.getString("request_id"));
      assertEquals("127.0.0.1", access.getString("remote"));
      assertTrue(access.getValue("duration_ms") instanceof Number);
      // No OpenTelemetry agent here: the trace keys are there, and null.
      assertTrue(access.containsKey("trace_id") && access.containsKey("span_id"), access.encode());
      assertNull(access.getValue("trace_id"), access.encode());
      assertNull(access.getValue("span_id"), access.encode());
    } finally {
      p.destroyForcibly();
    }
  }
}
