package io.tcpgate.bench;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Locale;

/**
 * The request frames the load generator sends and the replies it expects back from an echo service.
 *
 * <p>Payload {@code n} of a connection is {@code size} bytes: the first {@code min(size, 10)} bytes hold {@code n}
 * in zero-padded decimal (modulo 10^width), the rest is a fixed run of lower-case letters. So a reply that is out of
 * order, truncated or from another connection's stream does not match. Payloads never contain CR or LF, so they are
 * valid lines; for length-prefixed framing the payload follows a 4-byte big-endian length.
 */
final class Payload {

  /** The framings the load generator speaks. */
  enum Framing {
    LINES("lines"), LENGTH_PREFIXED("length-prefixed");

    final String configName;

    Framing(String configName) {
      this.configName = configName;
    }

    static Framing parse(String name) {
      for (Framing f : values()) {
        if (f.configName.equals(name.toLowerCase(Locale.ROOT))) {
          return f;
        }
      }
      throw new IllegalArgumentException("unknown framing '" + name + "' (lines or length-prefixed)");
    }
  }

  /** Largest reply payload accepted before the stream is declared broken. */
  static final int MAX_REPLY = 16 * 1024 * 1024;

  private static final int MAX_DIGITS = 10;

  final Framing framing;
  final int size;
  private final int digits;
  private final long modulus;
  private final byte[] template;

  Payload(Framing framing, int size) {
    if (size < 0 || size > MAX_REPLY) {
      throw new IllegalArgumentException("size must be between 0 and " + MAX_REPLY);
    }
    this.framing = framing;
    this.size = size;
    this.digits = Math.min(size, MAX_DIGITS);
    long m = 1;
    for (int i = 0; i < digits; i++) {
      m *= 10;
    }
    this.modulus = m;
    this.template = new byte[size];
    for (int i = 0; i < size; i++) {
      template[i] = (byte) ('a' + (i % 26));
    }
  }

  /** Bytes of one request frame on the wire. */
  int frameLength() {
    return size + (framing == Framing.LINES ? 1 : 4);
  }

  /** Writes request {@code seq} at the buffer's position, which must have {@link #frameLength()} bytes left. */
  void encode(ByteBuffer out, long seq) {
    byte[] a = out.array();
    int p = out.arrayOffset() + out.position();
    if (framing == Framing.LENGTH_PREFIXED) {
      a[p] = (byte) (size >>> 24);
      a[p + 1] = (byte) (size >>> 16);
      a[p + 2] = (byte) (size >>> 8);
      a[p + 3] = (byte) size;
      p += 4;
    }
    long v = seq % modulus;
    for (int i = digits - 1; i >= 0; i--) {
      a[p + i] = (byte) ('0' + (v % 10));
      v /= 10;
    }
    System.arraycopy(template, digits, a, p + digits, size - digits);
    p += size;
    if (framing == Framing.LINES) {
      a[p++] = '\n';
    }
    out.position(p - out.arrayOffset());
  }

  /** Whether {@code a[off, off+len)} is exactly the payload of request {@code seq}. */
  boolean matches(byte[] a, int off, int len, long seq) {
    if (len != size) {
      return false;
    }
    long v = seq % modulus;
    for (int i = digits - 1; i >= 0; i--) {
      if (a[off + i] != (byte) ('0' + (v % 10))) {
        return false;
      }
      v /= 10;
    }
    return Arrays.equals(a, off + digits, off + size, template, digits, size);
  }

  /** Whether a reply looks like a gateway error reply ({@code ERR <code> ...}). */
  static boolean isErrorReply(byte[] a, int off, int len) {
    return len >= 4 && a[off] == 'E' && a[off + 1] == 'R' && a[off + 2] == 'R' && a[off + 3] == ' ';
  }
}
