package dev.tandem.service.config;

import java.io.IOException;
import java.io.Reader;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Reads {@link TandemConfig} from TANDEM_* environment variables and an optional properties file
 * named by TANDEM_CONFIG_FILE (same key names; the environment wins). Every problem is collected
 * and reported together in one {@link ConfigException}.
 */
public final class ConfigLoader {

  public static final String PREFIX = "TANDEM_";
  public static final String CONFIG_FILE = "TANDEM_CONFIG_FILE";
  public static final String HTTP_PORT = "TANDEM_HTTP_PORT";
  public static final String MANAGEMENT_PORT = "TANDEM_MANAGEMENT_PORT";
  public static final String BIND_ADDRESS = "TANDEM_BIND_ADDRESS";
  public static final String MANAGEMENT_BIND_ADDRESS = "TANDEM_MANAGEMENT_BIND_ADDRESS";
  public static final String ZONE = "TANDEM_ZONE";
  public static final String HOST_NAME = "TANDEM_HOST_NAME";
  public static final String DRAIN_DELAY_MS = "TANDEM_DRAIN_DELAY_MS";
  public static final String SHUTDOWN_TIMEOUT_MS = "TANDEM_SHUTDOWN_TIMEOUT_MS";
  public static final String MAX_BODY_BYTES = "TANDEM_MAX_BODY_BYTES";
  public static final String MAX_WORK_MS = "TANDEM_MAX_WORK_MS";
  public static final String METRICS_ENABLED = "TANDEM_METRICS_ENABLED";
  public static final String ACCESS_LOG_ENABLED = "TANDEM_ACCESS_LOG_ENABLED";

  /** Keys this service reads. */
  public static final Set<String> KNOWN_KEYS = Set.of(CONFIG_FILE, HTTP_PORT, MANAGEMENT_PORT,
      BIND_ADDRESS, MANAGEMENT_BIND_ADDRESS, ZONE, HOST_NAME, DRAIN_DELAY_MS, SHUTDOWN_TIMEOUT_MS,
      MAX_BODY_BYTES, MAX_WORK_MS, METRICS_ENABLED, ACCESS_LOG_ENABLED);

  /** TANDEM_* variables that belong to the build and lab tooling (exported by the Makefile), not the service. */
  public static final Set<String> TOOLING_KEYS = Set.of("TANDEM_CACHE", "TANDEM_LAB_DIR");

  private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
  private static final Pattern ADDRESS = Pattern.compile("[0-9A-Fa-f:.]{2,45}|[A-Za-z0-9][A-Za-z0-9.-]{0,252}");

  private final Map<String, String> env;
  private final Supplier<String> machineHostName;

  private ConfigLoader(Map<String, String> env, Supplier<String> machineHostName) {
    this.env = env;
    this.machineHostName = machineHostName;
  }

  /** Loads from the process environment. */
  public static TandemConfig fromEnvironment() {
    return load(System.getenv(), ConfigLoader::machineHostName);
  }

  /** Loads from the given variables; throws {@link ConfigException} listing every problem. */
  public static TandemConfig load(Map<String, String> env, Supplier<String> machineHostName) {
    return new ConfigLoader(env, machineHostName).load();
  }

  private TandemConfig load() {
    List<String> problems = new ArrayList<>();
    Map<String, String> values = new TreeMap<>();

    String file = env.get(CONFIG_FILE);
    if (file != null && !file.isBlank()) {
      Properties props = new Properties();
      try (Reader r = Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8)) {
        props.load(r);
        for (String k : props.stringPropertyNames()) {
          if (k.equals(CONFIG_FILE)) {
            problems.add(CONFIG_FILE + " (in " + file + "): not allowed inside the config file");
          } else if (!KNOWN_KEYS.contains(k)) {
            problems.add(k + " (in " + file + "): unknown key" + suggestion(k));
          } else {
            values.put(k, props.getProperty(k).trim());
          }
        }
      } catch (IOException | RuntimeException e) {
        problems.add(CONFIG_FILE + ": cannot read '" + file + "': " + e.getMessage());
      }
    }
    for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
      String k = e.getKey();
      if (!k.startsWith(PREFIX) || TOOLING_KEYS.contains(k) || k.equals(CONFIG_FILE)) {
        continue;
      }
      if (!KNOWN_KEYS.contains(k)) {
        problems.add(k + ": unknown key" + suggestion(k));
      } else {
        values.put(k, e.getValue().trim());
      }
    }

    Parser p = new Parser(values, problems);
    int httpPort = p.intIn(HTTP_PORT, 8080, 0, 65535);
    int managementPort = p.intIn(MANAGEMENT_PORT, 9090, 0, 65535);
    String bind = p.matching(BIND_ADDRESS, "0.0.0.0", ADDRESS, "an IP address or host name");
    String managementBind = p.matching(MANAGEMENT_BIND_ADDRESS, bind, ADDRESS, "an IP address or host name");
    String zone = p.matching(ZONE, "default", LABEL, "1-63 characters of [A-Za-z0-9._-]");
    String host = values.containsKey(HOST_NAME)
        ? p.matching(HOST_NAME, null, LABEL, "1-63 characters of [A-Za-z0-9._-]")
        : defaultHostName();
    long drain = p.longIn(DRAIN_DELAY_MS, 5000, 0, 600_000);
    long shutdown = p.longIn(SHUTDOWN_TIMEOUT_MS, 10_000, 0, 600_000);
    int maxBody = p.intIn(MAX_BODY_BYTES, 16 * 1024, 1, 16 * 1024 * 1024);
    long maxWork = p.longIn(MAX_WORK_MS, 5000, 0, 600_000);
    boolean metrics = p.bool(METRICS_ENABLED, true);
    boolean accessLog = p.bool(ACCESS_LOG_ENABLED, true);
    if (httpPort != 0 && httpPort == managementPort) {
      problems.add(MANAGEMENT_PORT + ": must differ from " + HTTP_PORT + " (both are " + httpPort + ")");
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    return new TandemConfig(httpPort, managementPort, bind, managementBind, zone, host, drain,
        shutdown, maxBody, maxWork, metrics, accessLog);
  }

  private String defaultHostName() {
    String h = machineHostName.get();
    if (h == null || h.isBlank()) {
      return "unknown";
    }
    h = h.trim();
    int dot = h.indexOf('.');
    return dot > 0 ? h.substring(0, dot) : h;
  }

  private static String suggestion(String key) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String known : new TreeSet<>(KNOWN_KEYS)) {
      int d = distance(key, known);
      if (d < bestDistance) {
        bestDistance = d;
        best = known;
      }
    }
    return bestDistance <= 3 ? " (did you mean " + best + "?)" : "";
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  /** The machine's host name: $HOSTNAME, /etc/hostname, then the resolver. */
  public static String machineHostName() {
    String h = System.getenv("HOSTNAME");
    if (h != null && !h.isBlank()) {
      return h;
    }
    try {
      Path etc = Path.of("/etc/hostname");
      if (Files.isReadable(etc)) {
        String s = Files.readString(etc, StandardCharsets.UTF_8).trim();
        if (!s.isEmpty()) {
          return s;
        }
      }
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown";
    }
  }

  /** Typed reads that record a problem instead of failing fast. */
  private static final class Parser {
    private final Map<String, String> values;
    private final List<String> problems;

    Parser(Map<String, String> values, List<String> problems) {
      this.values = new LinkedHashMap<>(values);
      this.problems = problems;
    }

    int intIn(String key, int def, int min, int max) {
      return (int) longIn(key, def, min, max);
    }

    long longIn(String key, long def, long min, long max) {
      String v = values.get(key);
      if (v == null) {
        return def;
      }
      try {
        long n = Long.parseLong(v);
        if (n < min || n > max) {
          problems.add(key + ": " + n + " is out of range " + min + ".." + max);
          return def;
        }
        return n;
      } catch (NumberFormatException e) {
        problems.add(key + ": '" + v + "' is not a whole number");
        return def;
      }
    }

    boolean bool(String key, boolean def) {
      String v = values.get(key);
      if (v == null) {
        return def;
      }
      switch (v.toLowerCase(Locale.ROOT)) {
        case "true":
          return true;
        case "false":
          return false;
        default:
          problems.add(key + ": '" + v + "' is not true or false");
          return def;
      }
    }

    String matching(String key, String def, Pattern pattern, String what) {
      String v = values.get(key);
      if (v == null) {
        return def;
      }
      if (!pattern.matcher(v).matches()) {
        problems.add(key + ": '" + v + "' is not " + what);
        return def;
      }
      return v;
    }
  }
}
