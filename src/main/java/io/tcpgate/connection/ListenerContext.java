package io.tcpgate.connection;

import io.tcpgate.bus.ErrorCode;
import io.tcpgate.bus.PinnedInstances;
import io.tcpgate.dispatch.RequestSender;
import io.tcpgate.metrics.ListenerStats;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetSocket;

import java.util.concurrent.TimeUnit;

/**
 * What the connections of one listener instance (one NetServer, one event loop) share: the listener's current
 * {@link ListenerSettings} (swapped by a reload, read by each connection at its next frame), its books, the node's
 * connection registry, request sender and pinned worker instances, and the instance's idle sweeper and event-loop
 * lag probe. Obtain one from {@link Connections#forListener}.
 */
public final class ListenerContext {

  final ListenerStats stats;
  final ConnectionRegistry registry;
  final IdleSweeper idleSweeper;
  final RequestSender requests;
  final PinnedInstances pinned;
  final LagProbe lag;
  volatile ListenerSettings settings;
  volatile AcceptControl accepting = AcceptControl.ALWAYS;
  private final Vertx vertx;
  private final Connections connections;

  ListenerContext(Vertx vertx, ListenerSettings settings, ListenerStats stats, Connections connections) {
    this.vertx = vertx;
    this.connections = connections;
    this.settings = settings;
    this.stats = stats;
    this.registry = connections.registry();
    this.idleSweeper = new IdleSweeper(vertx,
      () -> TimeUnit.SECONDS.toNanos(this.settings.config().idleTimeoutSeconds()));
    this.requests = connections.requests();
    this.pinned = connections.pinned();
    this.lag = new LagProbe(vertx);
  }

  /** Starts the instance's idle sweeper and lag probe; call on the instance's event loop once it listens. */
  public void start() {
    idleSweeper.start();
    lag.start();
    connections.instanceStarted();
  }

  /**
   * Stops the instance's idle sweeper and lag probe once it stopped serving (its timers would outlive the
   * deployment: Vert.x cancels a deployment's timers when it is undeployed, not those set again afterwards); call on
   * the instance's event loop.
   */
  public void stop() {
    idleSweeper.stop();
    lag.stop();
    connections.instanceStopped();
  }

  /**
   * Applies {@code next} (same name, same socket) from each connection's next frame, the next idle sweep and the next
   * accept: timeouts, limits, error template, address, dispatch, overload and age. Framing, body type and reply mode
   * apply to connections accepted from now on. Any thread.
   */
  public void update(ListenerSettings next) {
    settings = next;
  }

  /** Where this instance's connections report the listener's frames in flight ({@code overload.stopAccepting}). */
  public void acceptControl(AcceptControl control) {
    this.accepting = control;
  }

  /** Takes a socket the admission let in: from here on the connection owns it. Call on the socket's event loop. */
  public void accept(NetSocket socket) {
    new Connection(vertx, socket, this, settings).start();
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
    socket.end(settings.replies().error(ErrorCode.REFUSED, reason)).onComplete(ar -> vertx.cancelTimer(linger));
  }
}
