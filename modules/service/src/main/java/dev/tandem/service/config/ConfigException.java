package dev.tandem.service.config;

import java.util.List;

/** Thrown when the configuration is invalid; carries every problem found, not only the first. */
public final class ConfigException extends RuntimeException {

  /** EX_CONFIG from sysexits.h: the process exits with it on a bad configuration. */
  public static final int EXIT_CODE = 78;

  private final List<String> problems;

  public ConfigException(List<String> problems) {
    super("invalid configuration (" + problems.size() + (problems.size() == 1 ? " problem" : " problems")
        + "): " + String.join("; ", problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
