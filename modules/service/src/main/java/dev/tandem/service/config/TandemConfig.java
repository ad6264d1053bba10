package dev.tandem.service.config;

/**
 * The whole service configuration, validated. Built only by {@link ConfigLoader}; every key is
 * documented in docs/configuration.md.
 */
public record TandemConfig(
    int httpPort,
    int managementPort,
    String bindAddress,
    String managementBindAddress,
    String zone,
    String hostName,
    long drainDelayMs,
    long shutdownTimeoutMs,
    int maxBodyBytes,
    long maxWorkMs,
    boolean metricsEnabled,
    boolean accessLogEnabled) {

  /** Returns a copy listening on the given ports (tests use port 0). */
  public TandemConfig withPorts(int http, int management) {
    return new TandemConfig(http, management, bindAddress, managementBindAddress, zone, hostName,
        drainDelayMs, shutdownTimeoutMs, maxBodyBytes, maxWorkMs, metricsEnabled, accessLogEnabled);
  }
}
