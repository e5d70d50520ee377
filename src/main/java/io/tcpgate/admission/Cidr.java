package io.tcpgate.admission;

import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * A block of IPv4 or IPv6 addresses, {@code 10.0.0.0/8} or {@code 2001:db8::/32}; a single address is a block of
 * one ({@code /32} or {@code /128}). IPv4 blocks match IPv4 clients, including IPv4 clients on dual-stack sockets;
 * IPv6 blocks match IPv6 clients.
 */
public final class Cidr {

  private final byte[] network;
  private final int prefix;
  private final String text;

  private Cidr(byte[] network, int prefix, String text) {
    this.network = network;
    this.prefix = prefix;
    this.text = text;
  }

  /**
   * Parses {@code a.b.c.d/n}, {@code v6/n}, or a single address.
   *
   * @throws IllegalArgumentException with the reason, e.g. host bits set below the prefix
   */
  public static Cidr parse(String text) {
    String trimmed = text.trim();
    int slash = trimmed.indexOf('/');
    InetAddress address = IpAddresses.parse(slash < 0 ? trimmed : trimmed.substring(0, slash));
    if (IpAddresses.isMappedLiteral(trimmed, address)) {
      throw new IllegalArgumentException("'" + text + "' is an IPv4-mapped IPv6 block; write it as IPv4 (IPv4 rules"
        + " also match IPv4 clients on dual-stack sockets)");
    }
    byte[] bytes = address.getAddress();
    int bits = bytes.length * 8;
    int prefix = bits;
    if (slash >= 0) {
      String length = trimmed.substring(slash + 1);
      if (!length.matches("\\d{1,3}") || Integer.parseInt(length) > bits) {
        throw new IllegalArgumentException("'" + text + "': the prefix length must be 0 to " + bits);
      }
      prefix = Integer.parseInt(length);
    }
    byte[] masked = mask(bytes, prefix);
    if (!java.util.Arrays.equals(masked, bytes)) {
      String network;
      try {
        network = InetAddress.getByAddress(masked).getHostAddress();
      } catch (java.net.UnknownHostException e) {
        throw new IllegalStateException(e);
      }
      throw new IllegalArgumentException("'" + text + "' has address bits set beyond the /" + prefix + " prefix (the"
        + " block is " + network + "/" + prefix + ")");
    }
    return new Cidr(masked, prefix, trimmed);
  }

  /** Whether {@code address} (already {@link IpAddresses#normalize normalized}) lies in this block. */
  public boolean contains(InetAddress address) {
    byte[] bytes = address.getAddress();
    if (bytes.length != network.length) {
      return false;
    }
    int full = prefix / 8;
    for (int i = 0; i < full; i++) {
      if (bytes[i] != network[i]) {
        return false;
      }
    }
    int rest = prefix % 8;
    if (rest == 0) {
      return true;
    }
    int mask = (0xff << (8 - rest)) & 0xff;
    return (bytes[full] & mask) == (network[full] & mask);
  }

  private static byte[] mask(byte[] bytes, int prefix) {
    byte[] masked = bytes.clone();
    for (int i = 0; i < masked.length; i++) {
      int keep = Math.max(0, Math.min(8, prefix - i * 8));
      masked[i] = (byte) (masked[i] & ((0xff << (8 - keep)) & 0xff));
    }
    return masked;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Cidr && ((Cidr) other).prefix == prefix
      && java.util.Arrays.equals(((Cidr) other).network, network);
  }

  @Override
  public int hashCode() {
    return 31 * java.util.Arrays.hashCode(network) + prefix;
  }

  @Override
  public String toString() {
    return text;
  }
}
