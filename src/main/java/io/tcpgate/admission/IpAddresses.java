package io.tcpgate.admission;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.regex.Pattern;

/** IP literals without name lookups, and the one form in which client addresses are compared. */
public final class IpAddresses {

  private static final byte[] MAPPED_PREFIX = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff};
  private static final Pattern V4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private static final Pattern V6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

  private IpAddresses() {
  }

  /**
   * Parses an IPv4 or IPv6 literal ({@code [v6]} allowed), never resolving a name.
   *
   * @throws IllegalArgumentException when {@code text} is not an IP literal
   */
  public static InetAddress parse(String text) {
    if (!looksLiteral(text)) {
      throw new IllegalArgumentException("'" + text + "' is not an IP address");
    }
    try {
      return InetAddress.getByName(unbracketed(text));
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("'" + text + "' is not a valid IP address");
    }
  }

  /** Whether {@code text} is written like an IPv4 or IPv6 literal (not a host name); {@code [v6]} allowed. */
  public static boolean looksLiteral(String text) {
    String literal = unbracketed(text);
    return V4.matcher(literal).matches() || V6.matcher(literal).matches();
  }

  /** Whether {@code text}, parsed as {@code address}, is an IPv4-mapped IPv6 literal ({@code ::ffff:a.b.c.d}). */
  public static boolean isMappedLiteral(String text, InetAddress address) {
    return address instanceof Inet4Address && text.indexOf(':') >= 0;
  }

  private static String unbracketed(String text) {
    return text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
  }

  /**
   * The address as rules and per-client limits see it: an IPv4 client reaching a dual-stack socket arrives as the
   * IPv4-mapped IPv6 address {@code ::ffff:a.b.c.d}, which is the IPv4 address {@code a.b.c.d}.
   */
  public static InetAddress normalize(InetAddress address) {
    if (address instanceof Inet6Address) {
      byte[] bytes = address.getAddress();
      if (Arrays.equals(bytes, 0, 12, MAPPED_PREFIX, 0, 12)) {
        try {
          return InetAddress.getByAddress(Arrays.copyOfRange(bytes, 12, 16));
        } catch (UnknownHostException e) {
          throw new IllegalStateException(e);
        }
      }
    }
    return address;
  }
}
