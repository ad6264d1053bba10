package dev.tandem.service;

import ch.qos.logback.classic.LoggerContext;
import dev.tandem.service.config.BuildInfo;
import dev.tandem.service.config.ConfigException;
import dev.tandem.service.config.ConfigLoader;
import dev.tandem.service.config.TandemConfig;
import dev.tandem.service.lifecycle.TandemService;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point: validate the configuration (exit 78 on any problem), start, and on SIGTERM run the
 * lifecycle's drain-then-stop sequence and exit 0.
 */
public final class Main {

  static {
    // Vert.x has its own logging facade: route it through SLF4J (before any Vert.x class loads).
    System.setProperty("vertx.logger-delegate-factory-class-name", "io.vertx.core.logging.SLF4JLogDelegateFactory");
  }

  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) {
    BuildInfo build = BuildInfo.load();
    TandemConfig config;
    try {
      config = ConfigLoader.fromEnvironment();
    } catch (ConfigException e) {
      System.err.println("tandem-service: " + e.getMessage());
      LOG.error("{}", e.getMessage());
      stopLogging();
      System.exit(ConfigException.EXIT_CODE);
      return;
    }
    LOG.info("starting tandem-service {} (commit {})", build.version(), build.commit());
    TandemService service;
    try {
      service = TandemService.start(config, build);
    } catch (Exception e) {
      LOG.error("start failed: {}", e.getMessage(), e);
      System.err.println("tandem-service: start failed: " + e.getMessage());
      stopLogging();
      System.exit(1);
      return;
    }
    Duration deadline = Duration.ofMillis(config.drainDelayMs() + config.shutdownTimeoutMs() + 5000);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("shutdown signal received");
      int code = 0;
      try {
        service.shutdownAndWait(deadline);
      } catch (Exception e) {
        LOG.error("shutdown did not complete cleanly: {}", e.toString());
        code = 1;
      }
      stopLogging();
      // A JVM ended by SIGTERM reports 143; the sequence finished, so say so with 0.
      Runtime.getRuntime().halt(code);
    }, "tandem-shutdown"));
  }

  private static void stopLogging() {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx) {
      ctx.stop();
    }
  }
}
