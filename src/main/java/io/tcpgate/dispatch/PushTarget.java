package io.tcpgate.dispatch;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;

/** A connection as server pushes see it. */
public interface PushTarget {

  /** The name of the connection's listener. */
  String listenerName();

  /** The event-loop context the connection is confined to; {@link #pushFramed} runs there. */
  Context context();

  /** {@code payload} framed for this connection; any thread. */
  Buffer frame(Buffer payload);

  /**
   * The framing the connection writes with: connections with equal framings frame a payload alike. A listener's
   * connections may differ after a reload changed its framing (open connections keep theirs).
   */
  Object framing();

  /**
   * Writes {@code bytes} (already {@link #frame framed}, or {@code null} to only close) between replies, on
   * {@link #context()}. Fails with {@link io.tcpgate.bus.GatewayHeaders#NO_CONNECTION} once the connection is
   * closing, or {@link io.tcpgate.bus.GatewayHeaders#BUSY} while its write queue is full.
   */
  Future<Void> pushFramed(Buffer bytes, boolean close);
}
