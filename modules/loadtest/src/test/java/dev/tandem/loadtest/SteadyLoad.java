package dev.tandem.loadtest;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.jsonPath;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpProtocolBuilder;

/**
 * Steady open-model load on the public API: every virtual user sends GET /api/v1/hello and then
 * POST /api/v1/echo on its own connection, rate / 2 users per second for the duration. The run
 * fails (and make loadtest with it) if more than maxFailed requests fail or p99 reaches p99Ms.
 */
public class SteadyLoad extends Simulation {

  private final LoadConfig config = LoadConfig.fromSystemProperties();

  private final HttpProtocolBuilder protocol = http
      .baseUrl(config.baseUrl().toString())
      .acceptHeader("application/json")
      .userAgentHeader("tandem-loadtest");

  private final ScenarioBuilder helloThenEcho = scenario("hello then echo")
      .exec(http("GET /api/v1/hello").get("/api/v1/hello?name=gatling")
          .check(status().is(200), jsonPath("$.version").exists()))
      .exec(http("POST /api/v1/echo").post("/api/v1/echo")
          .body(StringBody("{\"message\":\"gatling\"}")).asJson()
          .check(status().is(200)));

  {
    setUp(helloThenEcho.injectOpen(constantUsersPerSec(config.rate() / 2.0).during(config.duration())))
        .protocols(protocol)
        .assertions(
            global().failedRequests().count().lte(config.maxFailed()),
            global().responseTime().percentile(99.0).lt(config.p99Ms()));
  }
}
