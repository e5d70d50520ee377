package io.tcpgate.dispatch;

import io.vertx.core.MultiMap;

/**
 * One frame's request on the event bus, as a {@link Dispatcher} and a {@link RequestSender} see it. The connection
 * that owns it builds the headers when it is sent and takes the outcome, which may arrive on any thread.
 */
public abstract class Request {

  private Object body;
  /** The reply address a {@link LocalRequestSender} gave it, while it waits for that reply. */
  String replyAddress;

  protected Request(Object body) {
    this.body = body;
  }

  /** The body, handed over once: a request does not keep its frame after sending it. */
  final Object takeBody() {
    Object taken = body;
    body = null;
    return taken;
  }

  /** Called on the connection's event loop just before the request goes onto the event bus. */
  protected abstract void sending();

  /** The request's headers, built by {@link #sending()}. */
  protected abstract MultiMap headers();

  /** How long the connection waits for the reply; {@link StandardRequestSender} gives Vert.x the same timeout. */
  protected abstract long timeoutMs();

  /**
   * The worker's reply: a body ({@code null}, Buffer, String, JsonObject or what a codec made) and its headers
   * ({@code null} when it was sent without).
   */
  protected abstract void replied(Object body, MultiMap headers);

  /** The event bus could not deliver the request, or the worker failed it. */
  protected abstract void failed(Throwable cause);
}
