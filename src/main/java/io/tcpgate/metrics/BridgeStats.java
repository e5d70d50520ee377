package io.tcpgate.metrics;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** The books of the event-bus bridge: its connections, frames, registrations, pending replies and errors. */
public final class BridgeStats {

  /** Why the bridge answered a client's frame with an {@code err} frame, or closed its connection. */
  public enum Error {
    /** A frame that is not a JSON object. */
    BAD_JSON("bad-json"),
    /** A frame whose body or headers the event bus cannot carry. */
    BAD_BODY("bad-body"),
    /** A frame whose {@code type} is none of send, publish, register, unregister, ping. */
    UNKNOWN_TYPE("unknown-type"),
    /** A frame without the address its type needs. */
    MISSING_ADDRESS("missing-address"),
    /** An address the bridge's permissions do not allow. */
    ACCESS_DENIED("access-denied"),
    /** An unregister for an address the client had not registered. */
    UNKNOWN_ADDRESS("unknown-address"),
    /** A length above {@code maxFrameBytes}: refused before its bytes, and the connection closed. */
    FRAME_TOO_LARGE("frame-too-large"),
    /** A frame cut short by the end of the stream. */
    BAD_FRAME("bad-frame");

    private final String tag;

    Error(String tag) {
      this.tag = tag;
    }

    /** The metric tag. */
    public String tag() {
      return tag;
    }
  }

  private final AtomicLong open = new AtomicLong();
  private final LongAdder accepted = new LongAdder();
  private final LongAdder framesIn = new LongAdder();
  private final LongAdder framesOut = new LongAdder();
  private final LongAdder bytesIn = new LongAdder();
  private final LongAdder bytesOut = new LongAdder();
  private final AtomicLong registrations = new AtomicLong();
  private final AtomicLong pendingReplies = new AtomicLong();
  private final LongAdder refused = new LongAdder();
  private final LongAdder dropped = new LongAdder();
  private final Map<Error, LongAdder> errors = new EnumMap<>(Error.class);

  public BridgeStats() {
    for (Error error : Error.values()) {
      errors.put(error, new LongAdder());
    }
  }

  public void connectionOpened() {
    open.incrementAndGet();
    accepted.increment();
  }

  public void connectionClosed() {
    open.decrementAndGet();
  }

  public void frameIn(int bytes) {
    framesIn.increment();
    bytesIn.add(bytes);
  }

  public void framesOut(int frames, int bytes) {
    framesOut.add(frames);
    bytesOut.add(bytes);
  }

  public void registered(int delta) {
    registrations.addAndGet(delta);
  }

  public void pendingReplies(int delta) {
    pendingReplies.addAndGet(delta);
  }

  /** A request to a bridge client failed at once: the client does not read, or holds too many requests. */
  public void refused() {
    refused.increment();
  }

  /** A message without reply not written to a bridge client that does not read. */
  public void dropped() {
    dropped.increment();
  }

  public void error(Error error) {
    errors.get(error).increment();
  }

  public long openConnections() {
    return open.get();
  }

  public long accepted() {
    return accepted.sum();
  }

  public long framesIn() {
    return framesIn.sum();
  }

  public long framesOut() {
    return framesOut.sum();
  }

  public long bytesIn() {
    return bytesIn.sum();
  }

  public long bytesOut() {
    return bytesOut.sum();
  }

  public long registrations() {
    return registrations.get();
  }

  public long pendingReplies() {
    return pendingReplies.get();
  }

  public long refusedRequests() {
    return refused.sum();
  }

  public long droppedMessages() {
    return dropped.sum();
  }

  public long errors(Error error) {
    return errors.get(error).sum();
  }
}
