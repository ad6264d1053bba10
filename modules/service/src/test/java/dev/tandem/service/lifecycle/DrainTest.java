package dev.tandem.service.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.service.TestService;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The zero-downtime sequence, driven through the same Lifecycle.shutdown() the SIGTERM hook calls.
 * Every assertion is about the order of events, none about elapsed time: the in-flight request is an
 * echo POST whose body the test sends in two halves, so it stays in flight until the test finishes
 * it, and the drain phase lasts until the test ends it (Lifecycle.endDrain, which the drain timer
 * calls in production).
 */
class DrainTest {

  private static final String BODY = "{\"message\":\"in flight\"}";
  private static final int HALF = BODY.length() / 2;
  private static final Duration DEADLINE = Duration.ofSeconds(10);

  private TestService svc;

  /** Cleans up after a failed test too: a drain left open would otherwise last 10 minutes. */
  @AfterEach
  void stopService() throws Exception {
    if (svc != null) {
      svc.service.lifecycle().shutdown();
      svc.service.lifecycle().endDrain();
      svc.close();
    }
  }

  @Test
  void readinessFlipsFirstThenDrainsThenFinishesInFlightWork() throws Exception {
    // The drain timer (10 min) never fires here: the test ends the phase itself.
    svc = TestService.start(Map.of("TANDEM_DRAIN_DELAY_MS", "600000", "TANDEM_SHUTDOWN_TIMEOUT_MS", "60000"));
    Lifecycle lifecycle = svc.service.lifecycle();
    int apiPort = svc.service.apiPort();
    int mgmtPort = svc.service.managementPort();
    assertEquals(Lifecycle.Phase.READY, lifecycle.phase());
    assertEquals(200, status(get(mgmtPort, "/health/ready")));

    try (Socket held = startHeldRequest(apiPort)) {
      awaitHeld(mgmtPort);
      CompletableFuture<Void> stopped = lifecycle.shutdown();

      // Draining, with the held request in flight: readiness is 503 so the LB takes the host out,
      // liveness stays 200, and the API still accepts new connections (the LB has not noticed yet).
      assertEquals(Lifecycle.Phase.DRAINING, lifecycle.phase());
      assertEquals(503, status(get(mgmtPort, "/health/ready")));
      assertEquals(200, status(get(mgmtPort, "/health/live")));
      assertEquals(200, status(get(apiPort, "/api/v1/hello")), "new connections are served while draining");
      assertEquals(Lifecycle.Phase.DRAINING, lifecycle.phase(), "the drain lasts until it is ended");

      // Stopping: the API listener refuses new connections; the held request is still in flight, so
      // Vert.x and the management server are still up.
      lifecycle.endDrain();
      assertEquals(Lifecycle.Phase.STOPPING, lifecycle.phase());
      TestService.await("API listener closed", DEADLINE, () -> refused(apiPort));
      assertEquals(200, status(get(mgmtPort, "/health/live")), "management is up while a request is in flight");
      assertFalse(stopped.isDone(), "the service waits for the in-flight request");

      // The in-flight request completes normally; only then does the service stop.
      String answer = finish(held);
      assertEquals(200, status(answer), answer);
      assertEquals("in flight", new JsonObject(body(answer)).getString("message"));
      stopped.get(30, TimeUnit.SECONDS);
    }
    assertEquals(Lifecycle.Phase.STOPPED, lifecycle.phase());
    assertTrue(refused(mgmtPort), "management closed at the end");
    assertThrows(IOException.class, () -> get(apiPort, "/api/v1/hello"));
    assertSame(lifecycle.stopped(), lifecycle.shutdown(), "shutdown is idempotent");
  }

  @Test
  void shutdownTimeoutCutsOffRequestsThatDoNotFinish() throws Exception {
    svc = TestService.start(Map.of("TANDEM_DRAIN_DELAY_MS", "0", "TANDEM_SHUTDOWN_TIMEOUT_MS", "200"));
    try (Socket held = startHeldRequest(svc.service.apiPort())) {
      awaitHeld(svc.service.managementPort());
      // The held request never finishes: only the shutdown timeout can end the wait for it.
      svc.service.lifecycle().shutdown().get(30, TimeUnit.SECONDS);
      assertEquals(Lifecycle.Phase.STOPPED, svc.service.lifecycle().phase());
      String answer = new String(held.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      assertEquals("", answer, "the unfinished request was cut off without an answer");
    }
  }

  /** One GET on a brand-new TCP connection; returns the whole answer (status line to body). */
  private static String get(int port, String path) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }

  private static int status(String answer) {
    if (!answer.startsWith("HTTP/1.1 ")) {
      throw new AssertionError("no HTTP answer (the connection was closed): '" + answer + "'");
    }
    return Integer.parseInt(answer.substring(9, 12));
  }

  private static String body(String answer) {
    return answer.substring(answer.indexOf("\r\n\r\n") + 4);
  }

  private static boolean refused(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
      return false;
    } catch (ConnectException e) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * POST requests the service has begun (headers read) and not answered, from Vert.x's gauge on
   * /metrics. Only POSTs count: the scrape itself is an active GET, and in tests both servers share
   * the label local="127.0.0.1:0".
   */
  private static double activePosts(int mgmtPort) throws IOException {
    double sum = 0;
    for (String line : get(mgmtPort, "/metrics").split("\n")) {
      if (line.startsWith("vertx_http_server_active_requests{") && line.contains("method=\"POST\"")) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }

  private static void awaitHeld(int mgmtPort) throws InterruptedException {
    TestService.await("the held POST counted as an active request", DEADLINE, () -> {
      try {
        return activePosts(mgmtPort) == 1;
      } catch (IOException e) {
        return false;
      }
    });
  }

  /** An echo POST with only the first half of its body sent: in flight until {@link #finish}. */
  private static Socket startHeldRequest(int apiPort) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", apiPort), 2000);
    s.setSoTimeout(10_000);
    OutputStream out = s.getOutputStream();
    out.write(("POST /api/v1/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + "Content-Length: " + BODY.length() + "\r\nConnection: close\r\n\r\n" + BODY.substring(0, HALF))
        .getBytes(StandardCharsets.US_ASCII));
    out.flush();
    return s;
  }

  /** Sends the rest of the body and reads the whole answer. */
  private static String finish(Socket s) throws IOException {
    OutputStream out = s.getOutputStream();
    out.write(BODY.substring(HALF).getBytes(StandardCharsets.US_ASCII));
    out.flush();
    return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
  }
}
