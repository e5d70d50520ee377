package io.tcpgate.framing;

import io.vertx.core.buffer.Buffer;

import java.util.Objects;

/**
 * {@link FramingKind#FIXED}: every frame is exactly {@code frameBytes} long; replies are written as given.
 *
 * <p>At end of stream, a rest shorter than a frame is a truncated frame ({@link FramingException.Kind#BAD_FRAME}).
 *
 * @param frameBytes the frame size; {@code 0 < frameBytes <= maxFrameBytes}
 * @param maxFrameBytes the listener's frame cap; &gt; 0
 */
public record FixedFraming(int frameBytes, int maxFrameBytes) implements FramingSpec {

  /**
   * Validates the settings; this is the one place that checks a fixed frame against the cap.
   *
   * @throws IllegalArgumentException when either size is not positive or {@code frameBytes > maxFrameBytes}
   */
  public FixedFraming {
    SpecChecks.requireMax(maxFrameBytes);
    if (frameBytes <= 0) {
      throw new IllegalArgumentException("frameBytes must be > 0");
    }
    if (frameBytes > maxFrameBytes) {
      throw new IllegalArgumentException(
          "frameBytes (" + frameBytes + ") must be <= maxFrameBytes (" + maxFrameBytes + ")");
    }
  }

  @Override
  public FramingKind kind() {
    return FramingKind.FIXED;
  }

  @Override
  public Framer newFramer(FrameSink sink) {
    return new FixedFramer(frameBytes, maxFrameBytes, sink);
  }

  @Override
  public Buffer encodeReply(Buffer payload) {
    return Objects.requireNonNull(payload, "payload");
  }

  @Override
  public String toString() {
    return "FramingSpec{fixed, frameBytes=" + frameBytes + ", maxFrameBytes=" + maxFrameBytes + "}";
  }
}
