package io.tcpgate.net;

import io.vertx.core.buffer.Buffer;

/**
 * One frame's place in a connection's reply order: empty until its reply (or error) is known. A slot that waits for
 * an event-bus reply also carries, while a {@link RequestSender} needs it, its reply address.
 */
final class ReplySlot {

  private final Connection connection;
  private final long frameCompleteNanos;
  private String replyAddress;
  private boolean replyOnItsWay;
  private boolean done;
  private Buffer bytes;
  private boolean closeAfter;

  ReplySlot(Connection connection, long frameCompleteNanos) {
    this.connection = connection;
    this.frameCompleteNanos = frameCompleteNanos;
  }

  /** The connection this slot belongs to. */
  Connection connection() {
    return connection;
  }

  /** When the frame this slot answers was complete. */
  long frameCompleteNanos() {
    return frameCompleteNanos;
  }

  String replyAddress() {
    return replyAddress;
  }

  void replyAddress(String replyAddress) {
    this.replyAddress = replyAddress;
  }

  /** The reply was taken for this slot and is on its way to the event loop: its deadline no longer applies. */
  void replyOnItsWay() {
    this.replyOnItsWay = true;
  }

  /** Whether this slot still waits for a reply that its deadline may cut short. */
  boolean awaitingReply() {
    return !done && !replyOnItsWay;
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
