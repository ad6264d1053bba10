package dev.tandem.service.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.service.TestService;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The zero-downtime sequence, driven through the same Lifecycle.shutdown() the SIGTERM hook calls. */
class DrainTest {

  /** One request on a brand-new TCP connection; returns the status code. */
  private static int freshConnectionGet(int port, String path) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      String head = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
      return Integer.parseInt(head.substring(9, 12));
    }
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

  @Test
  void readinessFlipsFirstThenDrainsThenFinishesInFlightWork() throws Exception {
    TestService svc = TestService.start(Map.of("TANDEM_DRAIN_DELAY_MS", "700",
        "TANDEM_SHUTDOWN_TIMEOUT_MS", "5000"));
    Lifecycle lifecycle = svc.service.lifecycle();
    int apiPort = svc.service.apiPort();
    int mgmtPort = svc.service.managementPort();
    assertEquals(Lifecycle.Phase.READY, lifecycle.phase());
    assertEquals(200, freshConnectionGet(mgmtPort, "/health/ready"));

    // An in-flight request that outlives the drain delay.
    CompletableFuture<HttpResponse<String>> work = svc.http.sendAsync(
        HttpRequest.newBuilder(svc.api("/api/v1/work?ms=1500")).build(), HttpResponse.BodyHandlers.ofString());
    TestService.await("work request in flight", Duration.ofSeconds(5),
        () -> svc.service.api().work().inFlight() == 1);

    long t0 = System.nanoTime();
    CompletableFuture<Void> stopped = lifecycle.shutdown();
    assertEquals(Lifecycle.Phase.DRAINING, lifecycle.phase());
    // Readiness is 503 at once.
    assertEquals(503, freshConnectionGet(mgmtPort, "/health/ready"));
    assertEquals(200, freshConnectionGet(mgmtPort, "/health/live"));
    // Still serving new connections during the drain delay.
    assertEquals(200, freshConnectionGet(apiPort, "/api/v1/hello"));
    assertTrue((System.nanoTime() - t0) / 1_000_000 < 700, "checks ran inside the drain delay");
    assertFalse(work.isDone());

    // After the drain delay: no new connections, the in-flight request still completes.
    TestService.await("phase STOPPING", Duration.ofSeconds(5), () -> lifecycle.phase() == Lifecycle.Phase.STOPPING);
    TestService.await("API listener closed", Duration.ofSeconds(5), () -> refused(apiPort));
    assertFalse(work.isDone(), () -> "in-flight work is not cut off when accepting stops: "
        + work.handle((r, e) -> e != null ? e.toString() : r.statusCode() + " " + r.body()).join()
        + " after " + (System.nanoTime() - t0) / 1_000_000 + " ms");
    HttpResponse<String> done = work.get(10, TimeUnit.SECONDS);
    assertEquals(200, done.statusCode(), done.body());
    assertEquals(1500, new JsonObject(done.body()).getInteger("requested_ms"));
    long shutdownBegan = t0;
    assertTrue((System.nanoTime() - shutdownBegan) / 1_000_000 >= 700, "work finished after shutdown began");

    stopped.get(10, TimeUnit.SECONDS);
    assertEquals(Lifecycle.Phase.STOPPED, lifecycle.phase());
    assertTrue(refused(mgmtPort), "management closed at the end");
    assertThrows(IOException.class, () -> freshConnectionGet(apiPort, "/api/v1/hello"));
    assertTrue(stopped == lifecycle.shutdown(), "shutdown is idempotent");
  }

  @Test
  void shutdownTimeoutCutsOffSlowRequests() throws Exception {
    TestService svc = TestService.start(Map.of("TANDEM_DRAIN_DELAY_MS", "0",
        "TANDEM_SHUTDOWN_TIMEOUT_MS", "200", "TANDEM_MAX_WORK_MS", "5000"));
    CompletableFuture<HttpResponse<String>> work = svc.http.sendAsync(
        HttpRequest.newBuilder(svc.api("/api/v1/work?ms=5000")).build(), HttpResponse.BodyHandlers.ofString());
    TestService.await("work request in flight", Duration.ofSeconds(5),
        () -> svc.service.api().work().inFlight() == 1);
    long t0 = System.nanoTime();
    svc.service.lifecycle().shutdown().get(10, TimeUnit.SECONDS);
    long tookMs = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(tookMs < 4000, "stopped at the shutdown timeout, not after the 5 s request: " + tookMs + " ms");
    assertTrue(work.handle((r, e) -> e != null || r.statusCode() != 200).get(10, TimeUnit.SECONDS),
        "the slow request did not complete normally");
  }
}
