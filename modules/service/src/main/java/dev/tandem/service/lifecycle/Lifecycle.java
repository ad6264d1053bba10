package dev.tandem.service.lifecycle;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Phases of the process and the zero-downtime shutdown sequence:
 * <ol>
 *   <li>DRAINING: readiness answers 503 at once; the API keeps serving (new connections too) for the
 *       drain delay, so the load balancer takes the host out;</li>
 *   <li>STOPPING: the API server stops accepting and shuts down gracefully, letting in-flight requests
 *       finish up to the shutdown timeout;</li>
 *   <li>STOPPED: Vert.x (and so the management server) is closed.</li>
 * </ol>
 * The JVM shutdown hook (SIGTERM) and tests call the same {@link #shutdown()}.
 */
public final class Lifecycle {

  public enum Phase { STARTING, READY, DRAINING, STOPPING, STOPPED }

  private static final Logger LOG = LoggerFactory.getLogger(Lifecycle.class);

  private final long drainDelayMs;
  private final long shutdownTimeoutMs;
  private final CompletableFuture<Void> stopped = new CompletableFuture<>();
  private volatile Phase phase = Phase.STARTING;
  private volatile Vertx vertx;
  private volatile HttpServer apiServer;
  private long drainTimer = -1;

  public Lifecycle(long drainDelayMs, long shutdownTimeoutMs) {
    this.drainDelayMs = drainDelayMs;
    this.shutdownTimeoutMs = shutdownTimeoutMs;
  }

  public Phase phase() {
    return phase;
  }

  /** Called once everything listens. */
  public synchronized void ready(Vertx vertx, HttpServer apiServer) {
    this.vertx = vertx;
    this.apiServer = apiServer;
    if (phase == Phase.STARTING) {
      phase = Phase.READY;
    }
  }

  /** Starts the shutdown sequence (once; later calls return the same future). */
  public synchronized CompletableFuture<Void> shutdown() {
    if (phase == Phase.DRAINING || phase == Phase.STOPPING || phase == Phase.STOPPED) {
      return stopped;
    }
    Vertx v = vertx;
    if (v == null) {
      phase = Phase.STOPPED;
      stopped.complete(null);
      return stopped;
    }
    phase = Phase.DRAINING;
    LOG.info("shutdown phase 1/3: draining, readiness now 503, still serving for {} ms", drainDelayMs);
    if (drainDelayMs > 0) {
      drainTimer = v.setTimer(drainDelayMs, id -> endDrain());
    } else {
      v.runOnContext(x -> endDrain());
    }
    return stopped;
  }

  /**
   * Ends the drain phase: the drain timer calls it; tests call it to end the phase when they have seen
   * what happens inside it, instead of racing a clock. Does nothing outside DRAINING.
   */
  synchronized void endDrain() {
    if (phase != Phase.DRAINING) {
      return;
    }
    vertx.cancelTimer(drainTimer);
    stopAccepting(vertx);
  }

  private void stopAccepting(Vertx v) {
    phase = Phase.STOPPING;
    LOG.info("shutdown phase 2/3: stopped accepting, waiting up to {} ms for in-flight requests", shutdownTimeoutMs);
    long start = System.nanoTime();
    apiServer.shutdown(shutdownTimeoutMs, TimeUnit.MILLISECONDS).onComplete(ar -> {
      long took = (System.nanoTime() - start) / 1_000_000;
      if (ar.succeeded()) {
        LOG.info("API server shut down after {} ms", took);
      } else {
        LOG.warn("API server shutdown after {} ms: {}", took, ar.cause().toString());
      }
      LOG.info("shutdown phase 3/3: closing Vert.x and the management server");
      v.close().onComplete(closed -> {
        phase = Phase.STOPPED;
        LOG.info("stopped");
        stopped.complete(null);
      });
    });
  }

  /** Completes when the sequence has finished. */
  public CompletableFuture<Void> stopped() {
    return stopped;
  }

  public long drainDelayMs() {
    return drainDelayMs;
  }

  public long shutdownTimeoutMs() {
    return shutdownTimeoutMs;
  }
}
