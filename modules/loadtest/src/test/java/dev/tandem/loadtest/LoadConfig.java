package dev.tandem.loadtest;

import java.net.URI;
import java.time.Duration;

/**
 * The knobs of a load run, from Java system properties (make loadtest passes them), each checked:
 * a bad value stops the run before any request, naming the property.
 *
 * @param baseUrl   tandem.baseUrl: where the public API answers, for example https://10.10.3.100
 * @param rate      tandem.rate: requests per second in all (half GET hello, half POST echo)
 * @param duration  tandem.duration: seconds of load
 * @param maxFailed tandem.maxFailed: failed requests the run may have and still pass
 * @param p99Ms     tandem.p99Ms: the 99th percentile of response times must stay below this
 */
public record LoadConfig(URI baseUrl, int rate, Duration duration, long maxFailed, int p99Ms) {

  public static LoadConfig fromSystemProperties() {
    return new LoadConfig(
        url("tandem.baseUrl", "http://127.0.0.1:8080"),
        positive("tandem.rate", 100),
        Duration.ofSeconds(positive("tandem.duration", 30)),
        atLeastZero("tandem.maxFailed", 0),
        positive("tandem.p99Ms", 1000));
  }

  private static URI url(String key, String fallback) {
    String value = System.getProperty(key, fallback);
    try {
      URI uri = URI.create(value);
      if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
        return uri;
      }
    } catch (IllegalArgumentException e) {
      // reported below
    }
    throw new IllegalArgumentException(key + "=" + value + ": not an http(s) URL with a host");
  }

  private static long number(String key, long fallback) {
    String value = System.getProperty(key, Long.toString(fallback));
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + "=" + value + ": not a whole number");
    }
  }

  private static int positive(String key, int fallback) {
    long n = number(key, fallback);
    if (n < 1 || n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(key + "=" + n + ": must be at least 1");
    }
    return (int) n;
  }

  private static long atLeastZero(String key, long fallback) {
    long n = number(key, fallback);
    if (n < 0) {
      throw new IllegalArgumentException(key + "=" + n + ": must be 0 or more");
    }
    return n;
  }
}
