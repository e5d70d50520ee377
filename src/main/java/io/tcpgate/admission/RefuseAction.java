package io.tcpgate.admission;

/** What a refused connection gets. */
public enum RefuseAction {
  /** A TCP reset (SO_LINGER 0), before anything is read or written: the cheapest for the gateway. */
  RESET("reset"),
  /** The listener's error reply with code {@code refused} and the reason as message, then a normal close. */
  MESSAGE("message");

  private final String configName;

  RefuseAction(String configName) {
    this.configName = configName;
  }

  /** The name in the configuration. */
  public String configName() {
    return configName;
  }
}
