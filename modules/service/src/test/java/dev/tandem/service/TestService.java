package dev.tandem.service;

import dev.tandem.service.config.BuildInfo;
import dev.tandem.service.config.ConfigLoader;
import dev.tandem.service.config.TandemConfig;
import dev.tandem.service.lifecycle.TandemService;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

/** Starts the real service on loopback with random ports, and a small HTTP client for it. */
public final class TestService implements AutoCloseable {

  public static final BuildInfo BUILD = new BuildInfo("9.9.9-test", "abc1234");

  public final TandemService service;
  /**
   * HTTP/1.1, as the load balancer speaks to the service. (The JDK 17 client would otherwise upgrade to
   * h2c, and it fails in-flight streams on GOAWAY instead of finishing them: a client bug, JDK-8335181.)
   */
  public final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  private TestService(TandemService service) {
    this.service = service;
  }

  public static TestService start(Map<String, String> overrides) throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("TANDEM_BIND_ADDRESS", "127.0.0.1");
    env.put("TANDEM_HTTP_PORT", "0");
    env.put("TANDEM_MANAGEMENT_PORT", "0");
    env.put("TANDEM_ZONE", "zone-a");
    env.put("TANDEM_HOST_NAME", "test-host");
    env.put("TANDEM_DRAIN_DELAY_MS", "0");
    env.put("TANDEM_SHUTDOWN_TIMEOUT_MS", "2000");
    env.putAll(overrides);
    TandemConfig config = ConfigLoader.load(env, () -> "unused");
    return new TestService(TandemService.start(config, BUILD));
  }

  public static TestService start() throws Exception {
    return start(Map.of());
  }

  public URI api(String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + service.apiPort() + pathAndQuery);
  }

  public URI management(String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + service.managementPort() + pathAndQuery);
  }

  public HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  public HttpResponse<String> post(URI uri, String contentType, String body) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Waits for a condition with a deadline (never a fixed sleep). */
  public static void await(String what, Duration deadline, BooleanSupplier condition) throws InterruptedException {
    long end = System.nanoTime() + deadline.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("timed out after " + deadline.toMillis() + " ms waiting for: " + what);
      }
      java.util.concurrent.locks.LockSupport.parkNanos(2_000_000L); // poll interval, not a timing assumption
    }
  }

  @Override
  public void close() throws Exception {
    service.shutdownAndWait(Duration.ofSeconds(15));
  }
}
