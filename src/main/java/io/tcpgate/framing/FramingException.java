package io.tcpgate.framing;

import java.util.Objects;

/**
 * Typed bad-input error raised while cutting or framing bytes.
 *
 * <p>{@link #kind()} says what went wrong; {@link Kind#code()} is the matching wire error code. Messages carry the
 * numbers involved, e.g. {@code "frame length (70000) exceeds the allowed maximum (65536)"}. It is delivered to
 * {@link FrameSink#onFramingError(FramingException)} for inbound bytes and thrown by
 * {@link FramingSpec#encodeReply(io.vertx.core.buffer.Buffer)} when a reply cannot be framed.
 */
public final class FramingException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** The kinds of framing error, each with its wire error code. */
  public enum Kind {
    /** A frame (inbound or a reply) is longer than allowed or than the length header can express. */
    FRAME_TOO_LARGE("frame-too-large"),
    /** The bytes cannot be a frame, e.g. a length header smaller than the header itself, or a truncated frame. */
    BAD_FRAME("bad-frame");

    private final String code;

    Kind(String code) {
      this.code = code;
    }

    /**
     * Returns the wire error code.
     *
     * @return {@code "frame-too-large"} or {@code "bad-frame"}
     */
    public String code() {
      return code;
    }
  }

  private final Kind kind;

  /**
   * Creates an error.
   *
   * @param kind what went wrong
   * @param message a human readable message including the numbers involved
   */
  public FramingException(Kind kind, String message) {
    super(message);
    this.kind = Objects.requireNonNull(kind, "kind");
  }

  /**
   * Returns what went wrong.
   *
   * @return the kind
   */
  public Kind kind() {
    return kind;
  }

  static FramingException frameTooLarge(long length, int maxFrameBytes) {
    return new FramingException(Kind.FRAME_TOO_LARGE,
        "frame length (" + length + ") exceeds the allowed maximum (" + maxFrameBytes + ")");
  }

  static FramingException unterminatedFrameTooLarge(long atLeast, int maxFrameBytes) {
    return new FramingException(Kind.FRAME_TOO_LARGE,
        "frame length (at least " + atLeast + ") exceeds the allowed maximum (" + maxFrameBytes + ")");
  }

  static FramingException endedInsideFrame(long received, long frameBytes) {
    return new FramingException(Kind.BAD_FRAME,
        "stream ended inside a frame (" + received + " of " + frameBytes + " bytes)");
  }

  static FramingException endedInsideHeader(long received, int headerBytes) {
    return new FramingException(Kind.BAD_FRAME,
        "stream ended inside a length header (" + received + " of " + headerBytes + " bytes)");
  }

  static FramingException endedBeforeDelimiter(long buffered) {
    return new FramingException(Kind.BAD_FRAME,
        "stream ended before the delimiter (" + buffered + " bytes buffered)");
  }
}
