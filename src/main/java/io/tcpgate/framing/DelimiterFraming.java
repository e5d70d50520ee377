package io.tcpgate.framing;

import io.vertx.core.buffer.Buffer;

import java.util.Arrays;

/**
 * {@link FramingKind#DELIMITER}: frames terminated by an arbitrary byte sequence; replies get it appended.
 *
 * <p>At end of stream, bytes after the last delimiter are a truncated frame ({@link FramingException.Kind#BAD_FRAME}).
 *
 * @param delimiter the terminator, non-empty; the record keeps a copy and {@link #delimiter()} returns another
 * @param maxFrameBytes largest accepted frame, not counting the delimiter; &gt; 0
 */
public record DelimiterFraming(byte[] delimiter, int maxFrameBytes) implements FramingSpec {

  /**
   * Validates and copies the settings.
   *
   * @throws IllegalArgumentException when the delimiter is null or empty, or {@code maxFrameBytes} is not positive
   */
  public DelimiterFraming {
    if (delimiter == null || delimiter.length == 0) {
      throw new IllegalArgumentException("delimiter must not be empty");
    }
    SpecChecks.requireMax(maxFrameBytes);
    delimiter = delimiter.clone();
  }

  /**
   * Returns the delimiter.
   *
   * @return a copy of the delimiter bytes
   */
  @Override
  public byte[] delimiter() {
    return delimiter.clone();
  }

  @Override
  public FramingKind kind() {
    return FramingKind.DELIMITER;
  }

  @Override
  public Framer newFramer(FrameSink sink) {
    return new DelimitedFramer(delimiter, false, maxFrameBytes, sink);
  }

  @Override
  public Buffer encodeReply(Buffer payload) {
    return SpecChecks.withTerminator(payload, delimiter);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof DelimiterFraming that && maxFrameBytes == that.maxFrameBytes
        && Arrays.equals(delimiter, that.delimiter);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(delimiter) + maxFrameBytes;
  }

  @Override
  public String toString() {
    StringBuilder out = new StringBuilder("FramingSpec{delimiter, delimiter=");
    for (byte b : delimiter) {
      out.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
    }
    return out.append(", maxFrameBytes=").append(maxFrameBytes).append('}').toString();
  }
}
