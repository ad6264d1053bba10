package dev.tandem.service.health;

import dev.tandem.service.lifecycle.Lifecycle;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;

/**
 * Liveness answers UP while the process can serve HTTP at all. Readiness is UP only in the READY
 * phase: it turns DOWN (503) the moment shutdown begins, so the load balancer takes the host out
 * while it still serves during the drain delay. Readiness also names the running version, so a
 * rolling release can tell that the new one, not the old one, became ready.
 */
public final class HealthRoutes {

  private HealthRoutes() {}

  public static void install(Vertx vertx, Router router, Lifecycle lifecycle, String version) {
    HealthCheckHandler live = HealthCheckHandler.create(vertx)
        .register("event-loop", promise -> promise.complete(Status.OK()));
    HealthCheckHandler ready = HealthCheckHandler.create(vertx)
        .register("lifecycle", promise -> {
          Lifecycle.Phase phase = lifecycle.phase();
          JsonObject data = new JsonObject().put("phase", phase.name()).put("version", version);
          promise.complete(phase == Lifecycle.Phase.READY ? Status.OK(data) : Status.KO(data));
        });
    router.get("/health/live").handler(live);
    router.get("/health/ready").handler(ready);
  }
}
