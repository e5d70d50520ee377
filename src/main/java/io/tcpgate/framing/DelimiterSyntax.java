package io.tcpgate.framing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Parses the two configuration notations of a delimiter into bytes.
 *
 * <p>{@link #parseText(String)} reads text with backslash escapes: {@code \n}, {@code \r}, {@code \t},
 * {@code \0}, {@code \\} and {@code \xHH} (exactly two hex digits, any case); every other character is encoded as
 * UTF-8. {@link #parseHex(String)} reads hex digits in either case, optionally separated by whitespace, each
 * group optionally prefixed with {@code 0x}: {@code "0d0a"}, {@code "0D 0A"}, {@code "0x0d0a"} and
 * {@code "0x0d 0x0a"} all give CR LF. Both reject empty results and report bad input with an
 * {@link IllegalArgumentException} naming the 0-based index of the problem.
 */
public final class DelimiterSyntax {

  private DelimiterSyntax() {
  }

  /**
   * Parses escaped text, e.g. {@code "\r\n"} written with real backslashes in the configuration.
   *
   * @param text the configured text
   * @return the delimiter bytes, non-empty
   * @throws IllegalArgumentException on a null or empty text, an unknown or truncated escape, or a bad
   *     {@code \x} escape; the message gives the index of the backslash
   */
  public static byte[] parseText(String text) {
    if (text == null || text.isEmpty()) {
      throw new IllegalArgumentException("delimiter text must not be empty");
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
    int literalStart = 0;
    int i = 0;
    while (i < text.length()) {
      if (text.charAt(i) != '\\') {
        i++;
        continue;
      }
      writeUtf8(out, text.substring(literalStart, i));
      if (i + 1 >= text.length()) {
        throw new IllegalArgumentException("incomplete escape '\\' at index " + i + " in delimiter text");
      }
      char escape = text.charAt(i + 1);
      switch (escape) {
        case 'n':
          out.write('\n');
          break;
        case 'r':
          out.write('\r');
          break;
        case 't':
          out.write('\t');
          break;
        case '0':
          out.write(0);
          break;
        case '\\':
          out.write('\\');
          break;
        case 'x':
          out.write(hexByte(text, i));
          i += 2;
          break;
        default:
          throw new IllegalArgumentException("unknown escape '\\" + escape + "' at index " + i
              + " in delimiter text (valid: \\n \\r \\t \\0 \\\\ \\xHH)");
      }
      i += 2;
      literalStart = i;
    }
    writeUtf8(out, text.substring(literalStart));
    return out.toByteArray();
  }

  /**
   * Parses hex notation such as {@code "0d0a"}, {@code "0D 0A"} or {@code "0x0d0a"}.
   *
   * @param hex the configured hex string
   * @return the delimiter bytes, non-empty
   * @throws IllegalArgumentException on null or empty input, a non-hex character (with its index) or an odd number
   *     of digits
   */
  public static byte[] parseHex(String hex) {
    if (hex == null) {
      throw new IllegalArgumentException("delimiter hex must not be empty");
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(hex.length() / 2);
    int high = -1;
    int digits = 0;
    int i = 0;
    while (i < hex.length()) {
      char c = hex.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
        continue;
      }
      boolean groupStart = i == 0 || Character.isWhitespace(hex.charAt(i - 1));
      if (groupStart && c == '0' && i + 1 < hex.length() && (hex.charAt(i + 1) == 'x' || hex.charAt(i + 1) == 'X')) {
        i += 2;
        continue;
      }
      int nibble = hexDigit(c);
      if (nibble < 0) {
        throw new IllegalArgumentException("invalid hex digit '" + c + "' at index " + i + " in delimiter hex");
      }
      digits++;
      if (high < 0) {
        high = nibble;
      } else {
        out.write((high << 4) | nibble);
        high = -1;
      }
      i++;
    }
    if (high >= 0) {
      throw new IllegalArgumentException("odd number of hex digits (" + digits + ") in delimiter hex");
    }
    if (out.size() == 0) {
      throw new IllegalArgumentException("delimiter hex must not be empty");
    }
    return out.toByteArray();
  }

  private static int hexByte(String text, int backslash) {
    int high = backslash + 2 < text.length() ? hexDigit(text.charAt(backslash + 2)) : -1;
    int low = backslash + 3 < text.length() ? hexDigit(text.charAt(backslash + 3)) : -1;
    if (high < 0 || low < 0) {
      throw new IllegalArgumentException("bad escape at index " + backslash
          + " in delimiter text: \\x must be followed by two hex digits");
    }
    return (high << 4) | low;
  }

  private static int hexDigit(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }

  private static void writeUtf8(ByteArrayOutputStream out, String literal) {
    byte[] bytes = literal.getBytes(StandardCharsets.UTF_8);
    out.write(bytes, 0, bytes.length);
  }
}
