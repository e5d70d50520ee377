package io.tcpgate.config;

import java.util.StringJoiner;
import java.util.function.Function;

/**
 * The one rule for configuration values that name a choice (a family, a framing kind, a body type, a log format,
 * a cluster role...): the value must equal one of the documented lower-case names exactly, case included, like
 * every other strict check of the configuration.
 *
 * <p>The types named this way need not depend on this package: each keeps its own {@code configName()} and the
 * caller passes it here, e.g. {@code ConfigNames.lookup("listeners[0].family", "ipv4", AddressFamily.values(),
 * AddressFamily::configName)}.
 */
public final class ConfigNames {

  private ConfigNames() {
  }

  /**
   * Finds the value whose configuration name is exactly {@code name}.
   *
   * @param path the key path (or environment variable) the name was read from, used in the error
   * @param name the name as given
   * @param values the accepted values, in the order the error lists them
   * @param configName the configuration name of a value
   * @param <E> the type of the values
   * @return the value named {@code name}
   * @throws ConfigException naming the path, the accepted names and the name given, e.g.
   *     {@code listeners[0].family: must be one of ipv4, ipv6, dual (got 'IPv4')}
   */
  public static <E> E lookup(String path, String name, E[] values, Function<? super E, String> configName) {
    StringJoiner accepted = new StringJoiner(", ");
    for (E value : values) {
      String candidate = configName.apply(value);
      if (candidate.equals(name)) {
        return value;
      }
      accepted.add(candidate);
    }
    throw new ConfigException(path, "must be one of " + accepted + " (got '" + name + "')");
  }
}
