package io.tcpgate.config;

/** {@code host:port} as tcpgate writes it in logs, headers and messages. */
public final class HostPort {

  private HostPort() {
  }

  /** {@code host:port}, with brackets around an IPv6 host: {@code [::1]:7000}. */
  public static String format(String host, int port) {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }
}
