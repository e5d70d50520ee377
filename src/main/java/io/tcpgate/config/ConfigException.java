package io.tcpgate.config;

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

  /** The key path of the offending value, e.g. {@code listeners[0].port}. */
  public String path() {
    return path;
  }
}
