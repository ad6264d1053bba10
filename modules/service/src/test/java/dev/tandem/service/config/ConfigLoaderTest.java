package dev.tandem.service.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

  private static TandemConfig load(Map<String, String> env) {
    return ConfigLoader.load(env, () -> "box.example.internal");
  }

  private static ConfigException fail(Map<String, String> env) {
    return assertThrows(ConfigException.class, () -> load(env));
  }

  @Test
  void defaults() {
    TandemConfig c = load(Map.of("PATH", "/bin", "TANDEM_CACHE", "/x", "TANDEM_LAB_DIR", "/y"));
    assertEquals(8080, c.httpPort());
    assertEquals(9090, c.managementPort());
    assertEquals("0.0.0.0", c.bindAddress());
    assertEquals("0.0.0.0", c.managementBindAddress());
    assertEquals("box", c.hostName());
    assertEquals("default", c.zone());
    assertEquals(5000, c.drainDelayMs());
    assertEquals(10_000, c.shutdownTimeoutMs());
    assertEquals(16 * 1024, c.maxBodyBytes());
    assertEquals(5000, c.maxWorkMs());
    assertTrue(c.metricsEnabled());
    assertTrue(c.accessLogEnabled());
  }

  @Test
  void everyKeyIsRead() {
    Map<String, String> env = new HashMap<>();
    env.put("TANDEM_HTTP_PORT", "8081");
    env.put("TANDEM_MANAGEMENT_PORT", "9091");
    env.put("TANDEM_BIND_ADDRESS", "127.0.0.1");
    env.put("TANDEM_MANAGEMENT_BIND_ADDRESS", "10.1.2.3");
    env.put("TANDEM_ZONE", "zone-b");
    env.put("TANDEM_HOST_NAME", "app-2");
    env.put("TANDEM_DRAIN_DELAY_MS", "100");
    env.put("TANDEM_SHUTDOWN_TIMEOUT_MS", "200");
    env.put("TANDEM_MAX_BODY_BYTES", "300");
    env.put("TANDEM_MAX_WORK_MS", "400");
    env.put("TANDEM_METRICS_ENABLED", "false");
    env.put("TANDEM_ACCESS_LOG_ENABLED", "FALSE");
    TandemConfig c = load(env);
    assertEquals(new TandemConfig(8081, 9091, "127.0.0.1", "10.1.2.3", "zone-b", "app-2", 100, 200, 300, 400,
        false, false), c);
  }

  @Test
  void eachBadValueIsNamedAndAllAreReported() {
    Map<String, String> env = new HashMap<>();
    env.put("TANDEM_HTTP_PORT", "eighty");
    env.put("TANDEM_MANAGEMENT_PORT", "70000");
    env.put("TANDEM_ZONE", "bad zone!");
    env.put("TANDEM_DRAIN_DELAY_MS", "-1");
    env.put("TANDEM_MAX_BODY_BYTES", "0");
    env.put("TANDEM_METRICS_ENABLED", "yes");
    env.put("TANDEM_ACCESS_LOG_ENABLED", "1");
    env.put("TANDEM_MAX_WORK_MS", "1.5");
    env.put("TANDEM_SHUTDOWN_TIMEOUT_MS", "");
    env.put("TANDEM_BIND_ADDRESS", "no spaces");
    ConfigException e = fail(env);
    for (String key : env.keySet()) {
      assertTrue(e.getMessage().contains(key + ":"), "message names " + key + ": " + e.getMessage());
    }
    assertEquals(env.size(), e.problems().size(), e.problems().toString());
    assertTrue(e.getMessage().contains("'eighty' is not a whole number"));
    assertTrue(e.getMessage().contains("70000 is out of range 0..65535"));
  }

  @Test
  void unknownKeysAreRejectedWithASuggestion() {
    ConfigException e = fail(Map.of("TANDEM_HTTP_PROT", "8080", "TANDEM_WHATEVER", "1"));
    assertTrue(e.getMessage().contains("TANDEM_HTTP_PROT: unknown key (did you mean TANDEM_HTTP_PORT?)"), e.getMessage());
    assertTrue(e.getMessage().contains("TANDEM_WHATEVER: unknown key"), e.getMessage());
    assertEquals(2, e.problems().size());
  }

  @Test
  void samePortTwiceIsRejected() {
    ConfigException e = fail(Map.of("TANDEM_HTTP_PORT", "8000", "TANDEM_MANAGEMENT_PORT", "8000"));
    assertTrue(e.getMessage().contains("TANDEM_MANAGEMENT_PORT: must differ from TANDEM_HTTP_PORT"), e.getMessage());
  }

  @Test
  void fileIsReadAndEnvironmentWins(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("tandem.properties");
    Files.writeString(file, "TANDEM_HTTP_PORT=7000\nTANDEM_ZONE=from-file\n");
    TandemConfig c = load(Map.of("TANDEM_CONFIG_FILE", file.toString(), "TANDEM_ZONE", "from-env"));
    assertEquals(7000, c.httpPort());
    assertEquals("from-env", c.zone());
  }

  @Test
  void fileProblemsAreNamed(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("tandem.properties");
    Files.writeString(file, "TANDEM_HTTP_PORT=x\nTANDEM_ZOEN=a\n");
    ConfigException e = fail(Map.of("TANDEM_CONFIG_FILE", file.toString()));
    assertTrue(e.getMessage().contains("TANDEM_HTTP_PORT: 'x'"), e.getMessage());
    assertTrue(e.getMessage().contains("TANDEM_ZOEN (in " + file + "): unknown key"), e.getMessage());
    ConfigException missing = fail(Map.of("TANDEM_CONFIG_FILE", dir.resolve("nope").toString()));
    assertTrue(missing.getMessage().contains("TANDEM_CONFIG_FILE: cannot read"), missing.getMessage());
  }
}
