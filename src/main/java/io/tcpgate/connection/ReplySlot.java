package io.tcpgate.connection;

import io.tcpgate.dispatch.Request;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

import java.util.concurrent.TimeUnit;

/**
 * One frame's place in a connection's reply order, and its request on the event bus: queued until its dispatcher
 * sends it, then waiting for its reply, then answered (the bytes to write, or nothing).
 */
final class ReplySlot extends Request {

  /** Where the slot is in its life. */
  enum Stage {
    /** Taken, not sent yet (its dispatcher holds it back). */
    QUEUED,
    /** Sent; its deadline runs. */
    SENT,
    /** The reply was taken and is on its way to the event loop: its deadline no longer applies. */
    REPLY_ON_ITS_WAY,
    /** Answered: {@link #bytes()} are to be written in their turn. */
    DONE
  }

  private final Connection connection;
  private final long sequence;
  private final long frameCompleteNanos;
  private final long timeoutMs;
  private final String address;
  private Stage stage = Stage.QUEUED;
  private long deadlineNanos;
  private MultiMap headers;
  private Buffer bytes;
  private boolean closeAfter;

  /**
   * @param timeoutMs how long the frame waits for its reply once sent: the listener's timeout when it was taken
   * @param address   the listener's address when it was taken
   */
  ReplySlot(Connection connection, Object body, long sequence, long frameCompleteNanos, long timeoutMs,
            String address) {
    super(body);
    this.address = address;
    this.connection = connection;
    this.sequence = sequence;
    this.frameCompleteNanos = frameCompleteNanos;
    this.timeoutMs = timeoutMs;
  }

  /** A slot answered by the gateway itself. */
  static ReplySlot answered(long frameCompleteNanos, Buffer bytes, boolean closeAfter) {
    ReplySlot slot = new ReplySlot(null, null, 0, frameCompleteNanos, 0, null);
    slot.complete(bytes, closeAfter);
    return slot;
  }

  @Override
  protected void sending() {
    stage = Stage.SENT;
    deadlineNanos = System.nanoTime()
      + Math.min(TimeUnit.MILLISECONDS.toNanos(timeoutMs), RequestDeadline.MAX_NANOS);
    headers = connection.requestHeaders(sequence, timeoutMs);
  }

  @Override
  protected MultiMap headers() {
    MultiMap sent = headers;
    headers = null;
    return sent;
  }

  @Override
  protected long timeoutMs() {
    return timeoutMs;
  }

  /** The event-bus address the frame was taken for (a pinned request goes to one of its consumers' own). */
  String address() {
    return address;
  }

  /** When the reply is due ({@link System#nanoTime()} scale); meaningful from {@link Stage#SENT} on. */
  long deadlineNanos() {
    return deadlineNanos;
  }

  /** The frame's number on its connection, from 1. */
  long sequence() {
    return sequence;
  }

  @Override
  protected void replied(Object body, MultiMap headers) {
    connection.replyReceived(this, body, headers);
  }

  @Override
  protected void failed(Throwable cause) {
    connection.requestFailed(this, cause);
  }

  /** When the frame this slot answers was complete. */
  long frameCompleteNanos() {
    return frameCompleteNanos;
  }

  Stage stage() {
    return stage;
  }

  /** The reply was taken and is on its way: the deadline no longer applies. */
  void replyOnItsWay() {
    stage = Stage.REPLY_ON_ITS_WAY;
  }

  /** Whether this slot was sent and still waits for a reply that its deadline may cut short. */
  boolean awaitingReply() {
    return stage == Stage.SENT;
  }

  /** Whether the request went onto the event bus and its outcome is not known yet. */
  boolean outstanding() {
    return stage == Stage.SENT || stage == Stage.REPLY_ON_ITS_WAY;
  }

  /** Fills the slot; {@code bytes} may be {@code null} when nothing is to be written. */
  void complete(Buffer bytes, boolean closeAfter) {
    this.stage = Stage.DONE;
    this.bytes = bytes;
    this.closeAfter = closeAfter;
  }

  boolean done() {
    return stage == Stage.DONE;
  }

  Buffer bytes() {
    return bytes;
  }

  boolean closeAfter() {
    return closeAfter;
  }
}
