package io.tcpgate.config;

/**
 * The IP family a listener binds, chosen explicitly per listener.
 * <ul>
 *   <li>{@link #IPV4}: an IPv4 socket (AF_INET) on an IPv4 address; {@code 0.0.0.0} accepts IPv4 only.</li>
 *   <li>{@link #IPV6}: IPv6 only, on an IPv6 address.</li>
 *   <li>{@link #DUAL}: one IPv6 socket on {@code ::} that also accepts IPv4 (as IPv4-mapped addresses).</li>
 * </ul>
 */
public enum AddressFamily {
  IPV4("ipv4", "0.0.0.0"),
  IPV6("ipv6", "::"),
  DUAL("dual", "::");

  private final String configName;
  private final String wildcard;

  AddressFamily(String configName, String wildcard) {
    this.configName = configName;
    this.wildcard = wildcard;
  }

  /**
   * Returns the name used in configuration files, the only spelling accepted there.
   *
   * @return {@code ipv4}, {@code ipv6} or {@code dual}
   */
  public String configName() {
    return configName;
  }

  /**
   * Returns the address that means "every address of this family".
   *
   * @return {@code 0.0.0.0} or {@code ::}
   */
  public String wildcard() {
    return wildcard;
  }
}
