package io.tcpgate.net;

import io.vertx.core.buffer.Buffer;

/** One frame's place in a connection's reply order: empty until its reply (or error) is known. */
final class ReplySlot {

  private final long frameCompleteNanos;
  private boolean done;
  private Buffer bytes;
  private boolean closeAfter;

  ReplySlot(long frameCompleteNanos) {
    this.frameCompleteNanos = frameCompleteNanos;
  }

  /** When the frame this slot answers was complete. */
  long frameCompleteNanos() {
    return frameCompleteNanos;
  }

  /** Fills the slot; {@code bytes} may be {@code null} when nothing is to be written. */
  void complete(Buffer bytes, boolean closeAfter) {
    this.done = true;
    this.bytes = bytes;
    this.closeAfter = closeAfter;
  }

  boolean done() {
    return done;
  }

  Buffer bytes() {
    return bytes;
  }

  boolean closeAfter() {
    return closeAfter;
  }
}
