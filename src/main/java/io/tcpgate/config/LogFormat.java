package io.tcpgate.config;

/** How log lines are written: a readable pattern for terminals, or one JSON object per line for containers. */
public enum LogFormat {
  PLAIN("plain"), JSON("json");

  private final String configName;

  LogFormat(String configName) {
    this.configName = configName;
  }

  public String configName() {
    return configName;
  }

  public static LogFormat fromConfigName(String name) {
    for (LogFormat format : values()) {
      if (format.configName.equals(name)) {
        return format;
      }
    }
    throw new IllegalArgumentException("must be \"plain\" or \"json\" (got \"" + name + "\")");
  }
}
