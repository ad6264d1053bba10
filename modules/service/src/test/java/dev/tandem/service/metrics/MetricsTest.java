package dev.tandem.service.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.service.TestService;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class MetricsTest {

  private static final Pattern HELLO_200 = Pattern.compile(
      "(?m)^vertx_http_server_requests_total\\{(?=[^}]*code=\"200\")(?=[^}]*method=\"GET\")"
          + "(?=[^}]*route=\"/api/v1/hello\")[^}]*\\} ([0-9.eE+]+)$");

  private static double helloCount(String scrape) {
    Matcher m = HELLO_200.matcher(scrape);
    return m.find() ? Double.parseDouble(m.group(1)) : 0.0;
  }

  @Test
  void requestsAreCountedPerRouteTemplateAndBuildInfoIsExposed() throws Exception {
    try (TestService svc = TestService.start()) {
      String before = svc.get(svc.management("/metrics")).body();
      assertTrue(before.contains("tandem_build_info{commit=\"abc1234\",version=\"9.9.9-test\"} 1"), before);
      assertTrue(before.contains("jvm_memory_used_bytes"), "JVM binder");
      assertTrue(before.contains("process_cpu_usage"), "process binder");
      double n0 = helloCount(before);
      for (int i = 0; i < 3; i++) {
        assertEquals(200, svc.get(svc.api("/api/v1/hello?name=n" + i)).statusCode());
      }
      assertEquals(404, svc.get(svc.api("/api/v1/raw-path-xyz")).statusCode());
      HttpResponse<String> after = svc.get(svc.management("/metrics"));
      assertEquals(200, after.statusCode());
      String text = after.body();
      assertEquals(n0 + 3, helloCount(text), 0.0001, text);
      assertTrue(text.contains("vertx_http_server_response_time_seconds_bucket{"), "latency histogram");
      assertTrue(Pattern.compile("vertx_http_server_response_time_seconds_bucket\\{[^}]*route=\"/api/v1/hello\"")
          .matcher(text).find(), "histogram per route");
      assertFalse(text.contains("raw-path-xyz"), "route labels are templates, never raw paths");
      assertFalse(text.contains("name=n1"), "no query strings in labels");
    }
  }

  @Test
  void startupTimeIsExposed() throws Exception {
    try (TestService svc = TestService.start()) {
      String text = svc.get(svc.management("/metrics")).body();
      Matcher m = Pattern.compile("(?m)^tandem_startup_seconds ([0-9.eE+]+)$").matcher(text);
      assertTrue(m.find(), text);
      assertTrue(Double.parseDouble(m.group(1)) > 0.0, "the JVM started before the service was ready");
    }
  }

  @Test
  void metricsCanBeDisabled() throws Exception {
    try (TestService svc = TestService.start(Map.of("TANDEM_METRICS_ENABLED", "false",
        "TANDEM_ACCESS_LOG_ENABLED", "false"))) {
      assertEquals(200, svc.get(svc.api("/api/v1/hello")).statusCode());
      HttpResponse<String> r = svc.get(svc.management("/metrics"));
      assertEquals(404, r.statusCode());
      assertEquals(200, svc.get(svc.management("/health/ready")).statusCode());
    }
  }
}
