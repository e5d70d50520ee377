package io.tcpgate.framing;

import io.vertx.core.buffer.Buffer;

import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * Immutable description of one listener's framing: how inbound bytes are cut into frames and how replies are
 * framed on the way out.
 *
 * <p>Create one with a factory per {@link FramingKind}; arguments are validated at once
 * ({@link IllegalArgumentException} with a plain message). Then, per connection, {@link #newFramer(FrameSink)}
 * gives a {@link Framer} for the inbound stream, and {@link #encodeReply(Buffer)} frames each outgoing reply:
 * <ul>
 *   <li>{@link #lines(int, boolean)}: frames end with LF, a single trailing CR is stripped; replies get
 *       {@code "\n"} or {@code "\r\n"} appended.</li>
 *   <li>{@link #delimiter(byte[], int)}: frames end with the delimiter; replies get it appended.</li>
 *   <li>{@link #fixed(int, int)}: every frame is {@code frameBytes} long; replies are written as given.</li>
 *   <li>{@link #lengthPrefixed(int, ByteOrder, boolean, int)}: an unsigned 1, 2 or 4 byte header (big or little
 *       endian) gives the payload length, optionally counting the header itself; replies get the same header.</li>
 * </ul>
 * {@link #maxFrameBytes()} bounds every inbound frame payload (after CR stripping for lines). Getters for
 * settings that do not apply to the kind return 0, {@code false}, an empty array or {@code null} as documented.
 * Instances are immutable, thread-safe and compare by value.
 */
public final class FramingSpec {

  private static final byte[] LF = {'\n'};
  private static final byte[] CRLF = {'\r', '\n'};
  private static final byte[] NONE = {};

  private final FramingKind kind;
  private final int maxFrameBytes;
  private final boolean crlfReplies;
  private final byte[] delimiter;
  private final int frameBytes;
  private final int headerBytes;
  private final ByteOrder byteOrder;
  private final boolean lengthIncludesHeader;

  private FramingSpec(FramingKind kind, int maxFrameBytes, boolean crlfReplies, byte[] delimiter, int frameBytes,
      int headerBytes, ByteOrder byteOrder, boolean lengthIncludesHeader) {
    this.kind = kind;
    this.maxFrameBytes = maxFrameBytes;
    this.crlfReplies = crlfReplies;
    this.delimiter = delimiter;
    this.frameBytes = frameBytes;
    this.headerBytes = headerBytes;
    this.byteOrder = byteOrder;
    this.lengthIncludesHeader = lengthIncludesHeader;
  }

  /**
   * LF-terminated lines; a single CR before the LF is stripped from the frame.
   *
   * @param maxFrameBytes largest accepted line, not counting CR and LF; must be &gt; 0
   * @param crlfReplies whether replies end with {@code "\r\n"} instead of {@code "\n"}
   * @return the spec
   */
  public static FramingSpec lines(int maxFrameBytes, boolean crlfReplies) {
    requireMax(maxFrameBytes);
    return new FramingSpec(FramingKind.LINES, maxFrameBytes, crlfReplies, LF, 0, 0, null, false);
  }

  /**
   * Frames terminated by an arbitrary byte sequence.
   *
   * @param delimiter the terminator, non-empty; copied
   * @param maxFrameBytes largest accepted frame, not counting the delimiter; must be &gt; 0
   * @return the spec
   */
  public static FramingSpec delimiter(byte[] delimiter, int maxFrameBytes) {
    if (delimiter == null || delimiter.length == 0) {
      throw new IllegalArgumentException("delimiter must not be empty");
    }
    requireMax(maxFrameBytes);
    return new FramingSpec(FramingKind.DELIMITER, maxFrameBytes, false, delimiter.clone(), 0, 0, null, false);
  }

  /**
   * Frames of exactly {@code frameBytes} bytes.
   *
   * @param frameBytes the frame size; {@code 0 < frameBytes <= maxFrameBytes}
   * @param maxFrameBytes the listener's frame cap; must be &gt; 0
   * @return the spec
   */
  public static FramingSpec fixed(int frameBytes, int maxFrameBytes) {
    requireMax(maxFrameBytes);
    if (frameBytes <= 0) {
      throw new IllegalArgumentException("frameBytes must be > 0");
    }
    if (frameBytes > maxFrameBytes) {
      throw new IllegalArgumentException(
          "frameBytes (" + frameBytes + ") must be <= maxFrameBytes (" + maxFrameBytes + ")");
    }
    return new FramingSpec(FramingKind.FIXED, maxFrameBytes, false, NONE, frameBytes, 0, null, false);
  }

  /**
   * Frames preceded by an unsigned length header.
   *
   * @param headerBytes header width: 1, 2 or 4
   * @param order byte order of the header, non-null
   * @param lengthIncludesHeader whether the header value counts the header bytes too
   * @param maxFrameBytes largest accepted payload (header not counted); must be &gt; 0
   * @return the spec
   */
  public static FramingSpec lengthPrefixed(int headerBytes, ByteOrder order, boolean lengthIncludesHeader,
      int maxFrameBytes) {
    if (headerBytes != 1 && headerBytes != 2 && headerBytes != 4) {
      throw new IllegalArgumentException("headerBytes must be 1, 2 or 4 (got " + headerBytes + ")");
    }
    if (order == null) {
      throw new IllegalArgumentException("byte order must not be null");
    }
    requireMax(maxFrameBytes);
    return new FramingSpec(FramingKind.LENGTH_PREFIXED, maxFrameBytes, false, NONE, 0, headerBytes, order,
        lengthIncludesHeader);
  }

  /**
   * Returns the framing kind.
   *
   * @return the kind
   */
  public FramingKind kind() {
    return kind;
  }

  /**
   * Returns the largest accepted inbound frame payload in bytes.
   *
   * @return the cap, &gt; 0
   */
  public int maxFrameBytes() {
    return maxFrameBytes;
  }

  /**
   * Tells whether line replies end with CRLF.
   *
   * @return the setting for {@link FramingKind#LINES}; false for other kinds
   */
  public boolean crlfReplies() {
    return crlfReplies;
  }

  /**
   * Returns the inbound delimiter.
   *
   * @return a copy: {@code "\n"} for lines, the delimiter for {@link FramingKind#DELIMITER}, empty otherwise
   */
  public byte[] delimiter() {
    return delimiter.clone();
  }

  /**
   * Returns the fixed frame size.
   *
   * @return the size for {@link FramingKind#FIXED}; 0 for other kinds
   */
  public int frameBytes() {
    return frameBytes;
  }

  /**
   * Returns the length header width.
   *
   * @return 1, 2 or 4 for {@link FramingKind#LENGTH_PREFIXED}; 0 for other kinds
   */
  public int headerBytes() {
    return headerBytes;
  }

  /**
   * Returns the length header byte order.
   *
   * @return the order for {@link FramingKind#LENGTH_PREFIXED}; null for other kinds
   */
  public ByteOrder byteOrder() {
    return byteOrder;
  }

  /**
   * Tells whether the length header value counts the header bytes.
   *
   * @return the setting for {@link FramingKind#LENGTH_PREFIXED}; false for other kinds
   */
  public boolean lengthIncludesHeader() {
    return lengthIncludesHeader;
  }

  /**
   * Creates the framer for one connection's inbound stream.
   *
   * @param sink receives the frames and at most one error
   * @return a new framer, confined to the caller's thread
   */
  public Framer newFramer(FrameSink sink) {
    switch (kind) {
      case LINES:
        return new DelimitedFramer(LF, true, maxFrameBytes, sink);
      case DELIMITER:
        return new DelimitedFramer(delimiter, false, maxFrameBytes, sink);
      case FIXED:
        return new FixedFramer(frameBytes, maxFrameBytes, sink);
      case LENGTH_PREFIXED:
        return new LengthPrefixedFramer(headerBytes, byteOrder, lengthIncludesHeader, maxFrameBytes, sink);
      default:
        throw new IllegalStateException("unknown framing kind " + kind);
    }
  }

  /**
   * Frames an outgoing reply: payload plus LF/CRLF for lines, payload plus delimiter, the payload itself (the same
   * instance) for fixed framing, or header plus payload for length-prefixed framing. {@code maxFrameBytes} is not
   * applied to replies. Except for fixed framing the result is a new buffer and the payload is left untouched.
   *
   * @param payload the reply payload
   * @return the bytes to write
   * @throws FramingException {@link FramingException.Kind#FRAME_TOO_LARGE} when a length header of this width
   *     cannot represent the payload's length
   */
  public Buffer encodeReply(Buffer payload) {
    Objects.requireNonNull(payload, "payload");
    switch (kind) {
      case LINES:
        return withTerminator(payload, crlfReplies ? CRLF : LF);
      case DELIMITER:
        return withTerminator(payload, delimiter);
      case FIXED:
        return payload;
      case LENGTH_PREFIXED:
        return withHeader(payload);
      default:
        throw new IllegalStateException("unknown framing kind " + kind);
    }
  }

  @Override
  public boolean equals(Object other) {
    if (this == other) {
      return true;
    }
    if (!(other instanceof FramingSpec)) {
      return false;
    }
    FramingSpec that = (FramingSpec) other;
    return kind == that.kind && maxFrameBytes == that.maxFrameBytes && crlfReplies == that.crlfReplies
        && Arrays.equals(delimiter, that.delimiter) && frameBytes == that.frameBytes
        && headerBytes == that.headerBytes && Objects.equals(byteOrder, that.byteOrder)
        && lengthIncludesHeader == that.lengthIncludesHeader;
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, maxFrameBytes, crlfReplies, Arrays.hashCode(delimiter), frameBytes, headerBytes,
        byteOrder, lengthIncludesHeader);
  }

  @Override
  public String toString() {
    StringBuilder out = new StringBuilder("FramingSpec{").append(kind.configName());
    switch (kind) {
      case LINES:
        out.append(", crlfReplies=").append(crlfReplies);
        break;
      case DELIMITER:
        out.append(", delimiter=").append(hex(delimiter));
        break;
      case FIXED:
        out.append(", frameBytes=").append(frameBytes);
        break;
      case LENGTH_PREFIXED:
        out.append(", headerBytes=").append(headerBytes).append(", byteOrder=").append(byteOrder)
            .append(", lengthIncludesHeader=").append(lengthIncludesHeader);
        break;
      default:
        break;
    }
    return out.append(", maxFrameBytes=").append(maxFrameBytes).append('}').toString();
  }

  private static void requireMax(int maxFrameBytes) {
    if (maxFrameBytes <= 0) {
      throw new IllegalArgumentException("maxFrameBytes must be > 0");
    }
  }

  private static Buffer withTerminator(Buffer payload, byte[] terminator) {
    return Buffer.buffer(payload.length() + terminator.length).appendBuffer(payload).appendBytes(terminator);
  }

  private Buffer withHeader(Buffer payload) {
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

  private static String hex(byte[] bytes) {
    StringBuilder out = new StringBuilder(bytes.length * 2);
    for (byte b : bytes) {
      out.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
    }
    return out.toString();
  }
}
