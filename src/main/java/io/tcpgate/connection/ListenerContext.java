package io.tcpgate.connection;

import io.tcpgate.bus.ErrorCode;
import io.tcpgate.bus.ErrorReplyTemplate;
import io.tcpgate.bus.PinnedInstances;
import io.tcpgate.config.ListenerConfig;
import io.tcpgate.dispatch.RequestSender;
import io.tcpgate.framing.FramingException;
import io.tcpgate.metrics.ListenerStats;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What the connections of one listener instance (one NetServer, one event loop) share: its config, its books, its
 * error replies (framed once for the codes without a message), the node's connection registry, request sender and
 * pinned worker instances, and the instance's idle sweeper. Obtain one from {@link Connections#forListener}.
 */
public final class ListenerContext {

  final ListenerConfig config;
  final ListenerStats stats;
  final ErrorReplyTemplate errors;
  final ConnectionRegistry registry;
  final IdleSweeper idleSweeper;
  final RequestSender requests;
  final PinnedInstances pinned;
  final LagProbe lag;
  volatile AcceptControl accepting = AcceptControl.ALWAYS;
  private final Vertx vertx;
  private final Map<ErrorCode, Buffer> framedErrors = new EnumMap<>(ErrorCode.class);

  ListenerContext(Vertx vertx, ListenerConfig config, ListenerStats stats, Connections connections) {
    this.vertx = vertx;
    this.config = config;
    this.stats = stats;
    this.errors = new ErrorReplyTemplate(config.errorTemplate());
    this.registry = connections.registry();
    this.idleSweeper = new IdleSweeper(vertx, TimeUnit.SECONDS.toNanos(config.idleTimeoutSeconds()));
    this.requests = connections.requests();
    this.pinned = connections.pinned();
    this.lag = config.overload().maxEventLoopLagMs() > 0 ? new LagProbe(vertx) : null;
    for (ErrorCode code : ErrorCode.values()) {
      framedErrors.put(code, frame(errors.render(code, null)));
    }
  }

  /** Starts the instance's idle sweeper (and lag probe); call on the instance's event loop once it listens. */
  public void start() {
    idleSweeper.start();
    if (lag != null) {
      lag.start();
    }
  }

  /** Where this instance's connections report the listener's frames in flight ({@code overload.stopAccepting}). */
  public void acceptControl(AcceptControl control) {
    this.accepting = control;
  }

  /** Takes a socket the admission let in: from here on the connection owns it. Call on the socket's event loop. */
  public void accept(NetSocket socket) {
    new Connection(vertx, socket, this).start();
  }

  /**
   * Tells a refused client why, with this listener's error reply ({@code refused} and {@code reason}), and closes
   * the socket; nothing is read from it. A client that does not take the reply within
   * {@link Connection#CLOSE_LINGER_MS} is closed anyway.
   */
  public void refuse(NetSocket socket, String reason) {
    socket.pause();
    socket.exceptionHandler(error -> socket.close());
    long linger = vertx.setTimer(Connection.CLOSE_LINGER_MS, t -> socket.close());
    socket.end(framedError(ErrorCode.REFUSED, reason)).onComplete(ar -> vertx.cancelTimer(linger));
  }

  /** {@code payload} framed for this listener; a payload the framing cannot carry becomes {@code ERR reply-too-large}. */
  Buffer frame(Buffer payload) {
    try {
      return config.framing().encodeReply(payload);
    } catch (FramingException e) {
      return config.framing().encodeReply(errors.render(ErrorCode.REPLY_TOO_LARGE, null));
    }
  }

  /** The framed error reply for {@code code} with no message; the same buffer every time, never written to. */
  Buffer framedError(ErrorCode code) {
    return framedErrors.get(code);
  }

  /** The framed error reply for {@code code} with {@code message}. */
  Buffer framedError(ErrorCode code, String message) {
    return message == null ? framedError(code) : frame(errors.render(code, message));
  }
}
