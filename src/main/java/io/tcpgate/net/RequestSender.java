package io.tcpgate.net;

import io.vertx.core.MultiMap;

/**
 * How a connection puts a frame on the event bus as a request. The outcome comes back to the connection that owns
 * the slot, through {@link Connection#replyReceived} or {@link Connection#requestFailed}, on any thread; deadlines
 * are the connection's business, not the sender's.
 */
interface RequestSender {

  /**
   * Sends {@code body} with {@code headers} to {@code address}, the reply to be delivered for {@code slot}; the
   * connection gives up on it after {@code timeoutMs}.
   */
  void send(String address, Object body, MultiMap headers, long timeoutMs, ReplySlot slot);

  /**
   * Stops waiting for {@code slot}'s reply (its deadline passed or its connection closed).
   *
   * @return {@code false} when the reply has already been taken and will reach the connection (as a reply or, if
   *         it cannot be framed, as {@code ERR worker-failed})
   */
  boolean forget(ReplySlot slot);

  /** Replies this sender waits for on the connections' behalf (0 where Vert.x keeps that book). */
  default int waiting() {
    return 0;
  }

  /** Releases what the sender holds on the event bus. */
  default void close() {
  }
}
