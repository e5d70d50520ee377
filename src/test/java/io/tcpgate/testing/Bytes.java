package io.tcpgate.testing;

/** Readable wire fixtures: {@code bytes("00 00 00 05 68 65 6c 6c 6f")}. */
public final class Bytes {

  private Bytes() {
  }

  public static byte[] bytes(String hex) {
    String clean = hex.replaceAll("\\s+", "");
    byte[] out = new byte[clean.length() / 2];
    for (int i = 0; i < out.length; i++) {
      out[i] = (byte) Integer.parseInt(clean.substring(2 * i, 2 * i + 2), 16);
    }
    return out;
  }

  public static byte[] concat(byte[]... parts) {
    int length = 0;
    for (byte[] part : parts) {
      length += part.length;
    }
    byte[] out = new byte[length];
    int at = 0;
    for (byte[] part : parts) {
      System.arraycopy(part, 0, out, at, part.length);
      at += part.length;
    }
    return out;
  }
}
