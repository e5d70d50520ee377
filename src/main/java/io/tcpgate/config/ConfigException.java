package io.tcpgate.config;

import java.util.List;

/**
 * A configuration that cannot be served: an unknown key, a wrong type or an impossible value.
 * The message always starts with the key path, e.g. {@code listeners[1].framing.maxFrameBytes}.
 */
public final class ConfigException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String path;

  public ConfigException(String path, String problem) {
    super((path == null || path.isEmpty() ? "config" : path) + ": " + problem);
    this.path = path;
  }

  private ConfigException(String path, String message, List<ConfigException> problems) {
    super(message);
    this.path = path;
    problems.forEach(this::addSuppressed);
  }

  /**
   * Several problems as one: the message is each problem's message on a line of its own, the first one first (so it
   * still starts with a key path); {@link #path()} is the first one's. The problems are also its suppressed
   * exceptions.
   */
  static ConfigException all(List<ConfigException> problems) {
    if (problems.size() == 1) {
      return problems.get(0);
    }
    StringBuilder message = new StringBuilder();
    for (ConfigException problem : problems) {
      message.append(message.length() == 0 ? "" : "\n").append(problem.getMessage());
    }
    return new ConfigException(problems.get(0).path(), message.toString(), problems);
  }

  /** The key path of the offending value, e.g. {@code listeners[0].port}. */
  public String path() {
    return path;
  }
}
