package io.tcpgate.dispatch;

import io.vertx.core.MultiMap;

/**
 * How a request goes onto the event bus. The outcome comes back to the request ({@link Request#replied} or
 * {@link Request#failed}), on any thread; deadlines are the connection's business, not the sender's.
 */
public interface RequestSender {

  /** Sends {@code body} with {@code headers} to {@code address}, the outcome to be given to {@code request}. */
  void send(String address, Object body, MultiMap headers, Request request);

  /**
   * Stops waiting for {@code request}'s reply (its deadline passed or its connection closed).
   *
   * @return {@code false} when the reply has already been taken and will reach the request (as a reply or, if it
   *         cannot be framed, as a failure)
   */
  boolean forget(Request request);

  /**
   * Whether a consumer may still serve {@code address}: {@code false} only when the sender knows there is none, so
   * that a request a vanished consumer discarded is told {@code no-handler} rather than {@code busy}.
   */
  default boolean mayHaveConsumer(String address) {
    return true;
  }

  /** Replies this sender waits for on the connections' behalf (0 where Vert.x keeps that book). */
  default int waiting() {
    return 0;
  }

  /** Releases what the sender holds on the event bus. */
  default void close() {
  }
}
