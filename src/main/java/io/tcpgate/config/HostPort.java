package io.tcpgate.config;

/**
 * Writes a host and a port the way logs, error messages and URLs expect them: {@code 127.0.0.1:7000},
 * {@code [::1]:7000}.
 */
public final class HostPort {

  private HostPort() {
  }

  /**
   * Joins a host and a port with a colon, putting brackets around a host that contains a colon (an IPv6 literal),
   * so the port stays unambiguous.
   *
   * @param host an IP literal or a host name, without brackets
   * @param port the port
   * @return e.g. {@code 10.0.0.1:7000} or {@code [fe80::1]:7000}
   */
  public static String format(String host, int port) {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }
}
