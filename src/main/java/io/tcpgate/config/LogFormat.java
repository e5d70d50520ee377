package io.tcpgate.config;

/** How log lines are written: a readable pattern for terminals, or one JSON object per line for containers. */
public enum LogFormat {
  PLAIN("plain"), JSON("json");

  private final String configName;

  LogFormat(String configName) {
    this.configName = configName;
  }

  /**
   * Returns the name used in {@code logging.format} and {@code LOG_FORMAT}, the only spelling accepted there.
   *
   * @return {@code plain} or {@code json}
   */
  public String configName() {
    return configName;
  }
}
