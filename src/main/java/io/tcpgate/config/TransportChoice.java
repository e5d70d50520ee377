package io.tcpgate.config;

/** Which socket transport the gateway uses (top-level {@code transport}). */
public enum TransportChoice {
  /** Netty's native epoll transport where it is available (Linux x86-64), else NIO. */
  AUTO("auto"),
  /** The native epoll transport; startup fails where it is not available. */
  EPOLL("epoll"),
  /** Java's NIO: every platform. */
  NIO("nio");

  private final String configName;

  TransportChoice(String configName) {
    this.configName = configName;
  }

  /** The name in the configuration. */
  public String configName() {
    return configName;
  }
}
