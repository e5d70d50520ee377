package io.tcpgate.listener;

import io.tcpgate.admission.Admission;
import io.tcpgate.config.ListenerConfig;
import io.tcpgate.connection.AcceptControl;
import io.tcpgate.connection.Connections;
import io.tcpgate.connection.ListenerContext;
import io.tcpgate.connection.ListenerSettings;
import io.tcpgate.metrics.ListenerStats;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;

import java.util.concurrent.TimeUnit;

/**
 * One NetServer instance of a listener, on one event loop. Several instances share the listener's port; Vert.x
 * spreads accepted connections over them. Every accepted socket goes through the listener's {@link Admission} before
 * a connection exists ({@link AcceptGate} at accept time, {@link SessionAdmission} when Vert.x hands the socket
 * over). With TLS the instance serves the listener's current {@link TlsMaterial}; with the PROXY protocol Vert.x
 * reads the header before the handshake. {@code start()} completes when the port is bound and fails with the OS
 * reason when it cannot be; {@code stop()} stops accepting and drains the connections.
 */
final class ListenerVerticle extends VerticleBase {

  private final ListenerSettings settings;
  private final ListenerConfig config;
  private final ListenerStats stats;
  private final int bindPort;
  private volatile long drainTimeoutMs;
  private final Connections connections;
  private final Admission admission;
  private final TlsMaterial tls;
  private NetServer server;
  private ListenerContext context;
  private boolean listening;

  /**
   * @param bindPort the port to ask Vert.x for: the configured port, or a negative key for one ephemeral port shared
   *                 by all instances
   */
  ListenerVerticle(ListenerSettings settings, ListenerStats stats, int bindPort, long drainTimeoutMs,
                   Connections connections, Admission admission, TlsMaterial tls) {
    this.settings = settings;
    this.config = settings.config();
    this.stats = stats;
    this.bindPort = bindPort;
    this.drainTimeoutMs = drainTimeoutMs;
    this.connections = connections;
    this.admission = admission;
    this.tls = tls;
  }

  @Override
  public Future<?> start() {
    ListenerContext listener = connections.forListener(settings, stats);
    context = listener;
    NetServerOptions options = new NetServerOptions()
      .setHost(config.host())
      .setPort(bindPort)
      .setTcpNoDelay(true)
      .setReuseAddress(true)
      .setRegisterWriteHandler(false);
    if (config.proxyProtocol().enabled()) {
      options.setUseProxyProtocol(true).setProxyProtocolTimeout(0);
    }
    if (tls != null) {
      tls.applyTo(options);
    }
    SessionAdmission session = new SessionAdmission(admission, stats, listener, tls != null);
    server = vertx.createNetServer(options)
      .connectHandler(session::onSocket)
      .exceptionHandler(session::onFailure);
    return server.listen().onSuccess(s -> {
      listening = true;
      stats.serverStarted();
      listener.start();
    });
  }

  @Override
  public Future<?> stop() {
    if (!listening) {
      return Future.succeededFuture();
    }
    return server.shutdown(drainTimeoutMs, TimeUnit.MILLISECONDS).andThen(ar -> {
      stats.serverStopped();
      context.stop();
    });
  }

  /** Applies a reloaded configuration of the same listener in place; see {@link ListenerContext#update}. */
  void update(ListenerSettings next, long drainTimeoutMs) {
    this.drainTimeoutMs = drainTimeoutMs;
    context.update(next);
  }

  /** Where this instance's connections report the listener's frames in flight. */
  void acceptControl(AcceptControl control) {
    context.acceptControl(control);
  }

  NetServer server() {
    return server;
  }

  /** The port this instance is listening on. */
  int actualPort() {
    return server.actualPort();
  }
}
