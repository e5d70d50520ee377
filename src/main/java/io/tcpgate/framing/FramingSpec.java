package io.tcpgate.framing;

import io.vertx.core.buffer.Buffer;

import java.nio.ByteOrder;

/**
 * Immutable description of one listener's framing: how inbound bytes are cut into frames and how replies are
 * framed on the way out. There is one type per {@link FramingKind}, each with only its own settings:
 * <ul>
 *   <li>{@link LinesFraming} ({@link #lines(int, boolean)}): frames end with LF, a single trailing CR is stripped;
 *       replies get {@code "\n"} or {@code "\r\n"} appended. At end of stream a last line without its LF is a
 *       frame.</li>
 *   <li>{@link DelimiterFraming} ({@link #delimiter(byte[], int)}): frames end with the delimiter; replies get it
 *       appended. At end of stream bytes after the last delimiter are a truncated frame.</li>
 *   <li>{@link FixedFraming} ({@link #fixed(int, int)}): every frame is {@code frameBytes} long; replies are
 *       written as given. At end of stream a shorter rest is a truncated frame.</li>
 *   <li>{@link LengthPrefixedFraming} ({@link #lengthPrefixed(int, ByteOrder, boolean, int)}): an unsigned 1, 2 or
 *       4 byte header (big or little endian) gives the payload length, optionally counting the header itself;
 *       replies get the same header. At end of stream a partial header or payload is a truncated frame.</li>
 * </ul>
 * A truncated frame is reported as {@link FramingException.Kind#BAD_FRAME}; see {@link Framer#end()}.
 *
 * <p>Factories validate their arguments at once ({@link IllegalArgumentException} with a plain message). Then, per
 * connection, {@link #newFramer(FrameSink)} gives a {@link Framer} for the inbound stream, and
 * {@link #encodeReply(Buffer)} frames each outgoing reply. {@link #maxFrameBytes()} bounds every inbound frame
 * payload (after CR stripping for lines). Instances are immutable, thread-safe and compare by value within their
 * kind.
 */
public sealed interface FramingSpec permits LinesFraming, DelimiterFraming, FixedFraming, LengthPrefixedFraming {

  /**
   * LF-terminated lines; a single CR before the LF is stripped from the frame.
   *
   * @param maxFrameBytes largest accepted line, not counting CR and LF; must be &gt; 0
   * @param crlfReplies whether replies end with {@code "\r\n"} instead of {@code "\n"}
   * @return the spec
   */
  static LinesFraming lines(int maxFrameBytes, boolean crlfReplies) {
    return new LinesFraming(maxFrameBytes, crlfReplies);
  }

  /**
   * Frames terminated by an arbitrary byte sequence.
   *
   * @param delimiter the terminator, non-empty; copied
   * @param maxFrameBytes largest accepted frame, not counting the delimiter; must be &gt; 0
   * @return the spec
   */
  static DelimiterFraming delimiter(byte[] delimiter, int maxFrameBytes) {
    return new DelimiterFraming(delimiter, maxFrameBytes);
  }

  /**
   * Frames of exactly {@code frameBytes} bytes.
   *
   * @param frameBytes the frame size; {@code 0 < frameBytes <= maxFrameBytes}
   * @param maxFrameBytes the listener's frame cap; must be &gt; 0
   * @return the spec
   */
  static FixedFraming fixed(int frameBytes, int maxFrameBytes) {
    return new FixedFraming(frameBytes, maxFrameBytes);
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
  static LengthPrefixedFraming lengthPrefixed(int headerBytes, ByteOrder order, boolean lengthIncludesHeader,
      int maxFrameBytes) {
    return new LengthPrefixedFraming(headerBytes, order, lengthIncludesHeader, maxFrameBytes);
  }

  /**
   * Returns the framing kind.
   *
   * @return the kind
   */
  FramingKind kind();

  /**
   * Returns the largest accepted inbound frame payload in bytes.
   *
   * @return the cap, &gt; 0
   */
  int maxFrameBytes();

  /**
   * Creates the framer for one connection's inbound stream.
   *
   * @param sink receives the frames, then either the end of the stream or at most one error
   * @return a new framer, confined to the caller's thread
   */
  Framer newFramer(FrameSink sink);

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
  Buffer encodeReply(Buffer payload);
}
