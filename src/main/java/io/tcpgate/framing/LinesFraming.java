package io.tcpgate.framing;

import io.vertx.core.buffer.Buffer;

/**
 * {@link FramingKind#LINES}: LF-terminated lines; a single CR before the LF is stripped from the frame. Replies end
 * with {@code "\n"}, or {@code "\r\n"} with {@code crlfReplies}.
 *
 * <p>At end of stream a last line without its LF is a frame too (its trailing CR stripped, the cap applied as to any
 * line), as Go's {@code bufio.ScanLines} and Python's {@code readline} read it.
 *
 * @param maxFrameBytes largest accepted line, not counting CR and LF; &gt; 0
 * @param crlfReplies whether replies end with {@code "\r\n"} instead of {@code "\n"}
 */
public record LinesFraming(int maxFrameBytes, boolean crlfReplies) implements FramingSpec {

  private static final byte[] LF = {'\n'};
  private static final byte[] CRLF = {'\r', '\n'};

  /**
   * Validates the settings.
   *
   * @throws IllegalArgumentException when {@code maxFrameBytes} is not positive
   */
  public LinesFraming {
    SpecChecks.requireMax(maxFrameBytes);
  }

  @Override
  public FramingKind kind() {
    return FramingKind.LINES;
  }

  @Override
  public Framer newFramer(FrameSink sink) {
    return new DelimitedFramer(LF, true, maxFrameBytes, sink);
  }

  @Override
  public Buffer encodeReply(Buffer payload) {
    return SpecChecks.withTerminator(payload, crlfReplies ? CRLF : LF);
  }

  @Override
  public String toString() {
    return "FramingSpec{lines, crlfReplies=" + crlfReplies + ", maxFrameBytes=" + maxFrameBytes + "}";
  }
}
