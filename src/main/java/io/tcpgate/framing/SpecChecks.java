package io.tcpgate.framing;

import io.vertx.core.buffer.Buffer;

import java.util.Objects;

/** Argument checks and reply helpers shared by the {@link FramingSpec} kinds. */
final class SpecChecks {

  private SpecChecks() {
  }

  static void requireMax(int maxFrameBytes) {
    if (maxFrameBytes <= 0) {
      throw new IllegalArgumentException("maxFrameBytes must be > 0");
    }
  }

  static Buffer withTerminator(Buffer payload, byte[] terminator) {
    Objects.requireNonNull(payload, "payload");
    return Buffer.buffer(payload.length() + terminator.length).appendBuffer(payload).appendBytes(terminator);
  }
}
