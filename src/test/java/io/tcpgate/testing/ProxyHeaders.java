package io.tcpgate.testing;

import java.io.ByteArrayOutputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * PROXY protocol headers as a load balancer writes them (haproxy.org/download/2.6/doc/proxy-protocol.txt): the v1
 * text line and the v2 binary block, well-formed or deliberately broken, as bytes for a raw test client.
 */
public final class ProxyHeaders {

  /** The 12-byte signature every v2 header starts with. */
  public static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

  /** v2 version and command byte: version 2, {@code LOCAL}. */
  public static final int V2_LOCAL = 0x20;
  /** v2 version and command byte: version 2, {@code PROXY}. */
  public static final int V2_PROXY = 0x21;
  /** v2 family and transport byte: unspecified. */
  public static final int UNSPEC = 0x00;
  /** v2 family and transport byte: TCP over IPv4. */
  public static final int TCP4 = 0x11;
  /** v2 family and transport byte: TCP over IPv6. */
  public static final int TCP6 = 0x21;

  /** A v2 type-length-value entry. */
  public record Tlv(int type, byte[] value) {

    public static Tlv of(int type, String value) {
      return new Tlv(type, value.getBytes(StandardCharsets.US_ASCII));
    }
  }

  private ProxyHeaders() {
  }

  /** {@code PROXY TCP4|TCP6 src dst sport dport\r\n}; the family follows the source address. */
  public static byte[] v1(InetSocketAddress source, InetSocketAddress destination) {
    String family = source.getAddress() instanceof Inet4Address ? "TCP4" : "TCP6";
    return ascii("PROXY " + family + " " + source.getAddress().getHostAddress() + " "
      + destination.getAddress().getHostAddress() + " " + source.getPort() + " " + destination.getPort() + "\r\n");
  }

  /** {@code PROXY UNKNOWN\r\n}: the proxy does not know (or will not tell) the client's address. */
  public static byte[] v1Unknown() {
    return ascii("PROXY UNKNOWN\r\n");
  }

  /** A v2 {@code PROXY} header for TCP from {@code source} to {@code destination}, then {@code tlvs}. */
  public static byte[] v2(InetSocketAddress source, InetSocketAddress destination, Tlv... tlvs) {
    boolean v4 = source.getAddress() instanceof Inet4Address;
    if (v4 != destination.getAddress() instanceof Inet4Address) {
      throw new IllegalArgumentException("source and destination of different families");
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(source.getAddress().getAddress());
    body.writeBytes(destination.getAddress().getAddress());
    writeShort(body, source.getPort());
    writeShort(body, destination.getPort());
    for (Tlv tlv : tlvs) {
      body.write(tlv.type());
      writeShort(body, tlv.value().length);
      body.writeBytes(tlv.value());
    }
    return v2Raw(V2_PROXY, v4 ? TCP4 : TCP6, body.toByteArray());
  }

  /** A v2 {@code LOCAL} header (a health check from the proxy itself): no addresses. */
  public static byte[] v2Local() {
    return v2Raw(V2_LOCAL, UNSPEC, new byte[0]);
  }

  /** The signature, {@code versionCommand}, {@code familyTransport}, the length of {@code body}, then {@code body}. */
  public static byte[] v2Raw(int versionCommand, int familyTransport, byte[] body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(V2_SIGNATURE);
    out.write(versionCommand);
    out.write(familyTransport);
    writeShort(out, body.length);
    out.writeBytes(body);
    return out.toByteArray();
  }

  /** {@code host:port} for an IP literal, without a lookup. */
  public static InetSocketAddress address(String ip, int port) {
    try {
      return new InetSocketAddress(InetAddress.getByName(ip), port);
    } catch (java.net.UnknownHostException e) {
      throw new IllegalArgumentException(ip, e);
    }
  }

  public static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }

  private static void writeShort(ByteArrayOutputStream out, int value) {
    out.write((value >>> 8) & 0xff);
    out.write(value & 0xff);
  }
}
