package io.tcpgate.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

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

  /** The name used in configuration files. */
  public String configName() {
    return configName;
  }

  /** The address that means "every address of this family". */
  public String wildcard() {
    return wildcard;
  }

  /** Parses a config name; the message lists the valid names. */
  public static AddressFamily fromConfigName(String name) {
    for (AddressFamily family : values()) {
      if (family.configName.equals(name.toLowerCase(Locale.ROOT))) {
        return family;
      }
    }
    throw new IllegalArgumentException("unknown family '" + name + "' (expected one of "
      + Arrays.stream(values()).map(AddressFamily::configName).collect(Collectors.joining(", ")) + ")");
  }
}
