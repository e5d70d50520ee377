package io.tcpgate.framing;

import io.vertx.core.buffer.Buffer;

import java.nio.ByteOrder;
import java.util.Objects;

/**
 * {@link FramingKind#LENGTH_PREFIXED}: frames preceded by an unsigned 1, 2 or 4 byte length header, big or little
 * endian, optionally counting the header itself; replies get the same header.
 *
 * <p>A header announcing more than {@code maxFrameBytes} is refused before its payload arrives. At end of stream, a
 * partial header or payload is a truncated frame ({@link FramingException.Kind#BAD_FRAME}).
 *
 * @param headerBytes header width: 1, 2 or 4
 * @param byteOrder byte order of the header, non-null
 * @param lengthIncludesHeader whether the header value counts the header bytes too
 * @param maxFrameBytes largest accepted payload (header not counted); &gt; 0
 */
public record LengthPrefixedFraming(int headerBytes, ByteOrder byteOrder, boolean lengthIncludesHeader,
    int maxFrameBytes) implements FramingSpec {

  /**
   * Validates the settings.
   *
   * @throws IllegalArgumentException on a header width other than 1, 2 or 4, a null byte order or a cap that is
   *     not positive
   */
  public LengthPrefixedFraming {
    if (headerBytes != 1 && headerBytes != 2 && headerBytes != 4) {
      throw new IllegalArgumentException("headerBytes must be 1, 2 or 4 (got " + headerBytes + ")");
    }
    if (byteOrder == null) {
      throw new IllegalArgumentException("byte order must not be null");
    }
    SpecChecks.requireMax(maxFrameBytes);
  }

  @Override
  public FramingKind kind() {
    return FramingKind.LENGTH_PREFIXED;
  }

  @Override
  public Framer newFramer(FrameSink sink) {
    return new LengthPrefixedFramer(headerBytes, byteOrder, lengthIncludesHeader, maxFrameBytes, sink);
  }

  @Override
  public Buffer encodeReply(Buffer payload) {
    Objects.requireNonNull(payload, "payload");
    long extra = lengthIncludesHeader ? headerBytes : 0;
    long value = payload.length() + extra;
    long maxValue = (1L << (8 * headerBytes)) - 1;
    if (value > maxValue) {
      throw new FramingException(FramingException.Kind.FRAME_TOO_LARGE, "reply length (" + payload.length()
          + ") exceeds what a " + headerBytes + "-byte length header can carry (" + (maxValue - extra) + ")");
    }
    boolean little = byteOrder == ByteOrder.LITTLE_ENDIAN;
    Buffer out = Buffer.buffer(headerBytes + payload.length());
    switch (headerBytes) {
      case 1:
        out.appendUnsignedByte((short) value);
        break;
      case 2:
        if (little) {
          out.appendUnsignedShortLE((int) value);
        } else {
          out.appendUnsignedShort((int) value);
        }
        break;
      case 4:
        if (little) {
          out.appendUnsignedIntLE(value);
        } else {
          out.appendUnsignedInt(value);
        }
        break;
      default:
        throw new IllegalStateException("unsupported header width " + headerBytes);
    }
    return out.appendBuffer(payload);
  }

  @Override
  public String toString() {
    return "FramingSpec{length-prefixed, headerBytes=" + headerBytes + ", byteOrder=" + byteOrder
        + ", lengthIncludesHeader=" + lengthIncludesHeader + ", maxFrameBytes=" + maxFrameBytes + "}";
  }
}
