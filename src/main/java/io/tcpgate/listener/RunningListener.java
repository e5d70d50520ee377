package io.tcpgate.listener;

import io.tcpgate.admission.Admission;
import io.tcpgate.config.ListenerConfig;
import io.tcpgate.connection.ListenerSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * A listener that is bound and accepting: one generation of it. It owns the listener's NetServer instances (one per
 * event loop by default), its accept gate and switch, and the checks of its TLS files for new contents, which stop
 * with it; its {@link Admission} belongs to the listener and carries over to its next generation.
 */
public final class RunningListener {

  private final int port;
  private final int bindPort;
  private final InetSocketAddress bound;
  private final List<ListenerVerticle> instances;
  private final List<KernelSockets.Listening> kernel;
  private final String deploymentId;
  private final Admission admission;
  private final AcceptGate gate;
  private final AcceptSwitch accepting;
  private final TlsReloader tls;
  private final Runnable onStop;
  private volatile ListenerConfig config;

  RunningListener(ListenerConfig config, int port, int bindPort, InetSocketAddress bound,
                  List<ListenerVerticle> instances, List<KernelSockets.Listening> kernel, String deploymentId, Admission admission, AcceptGate gate,
                  AcceptSwitch accepting, TlsReloader tls, Runnable onStop) {
    this.config = config;
    this.port = port;
    this.bindPort = bindPort;
    this.bound = bound;
    this.instances = List.copyOf(instances);
    this.kernel = List.copyOf(kernel);
    this.deploymentId = deploymentId;
    this.admission = admission;
    this.gate = gate;
    this.accepting = accepting;
    this.tls = tls;
    this.onStop = onStop;
  }

  /**
   * Applies {@code next} in place (a reload): every setting that needs no new socket or server options, from each
   * connection's next frame and the next accept. {@code tlsMaterial} is the checked material of {@code next.tls()}
   * when its files or settings changed, else {@code null}.
   */
  public Future<Void> update(ListenerConfig next, long drainTimeoutMs, TlsMaterial tlsMaterial) {
    config = next;
    ListenerSettings settings = ListenerSettings.of(next);
    for (ListenerVerticle instance : instances) {
      instance.update(settings, drainTimeoutMs);
    }
    admission.update(next.effectiveAdmission());
    accepting.update(next.overload());
    gate.headerTimeoutMs(next.proxyProtocol().deadlineMs());
    if (tls != null && tlsMaterial != null) {
      return tls.replace(next.tls(), tlsMaterial);
    }
    return Future.succeededFuture();
  }

  /**
   * Makes the listening socket this generation's: its accept gate decides at accept time, its overload watermarks
   * switch accepting, and its TLS material is served (a generation that joined a socket bound by an earlier one
   * serves the socket's first TLS context until then). For a generation deployed onto a running one's socket, once
   * the reload commits.
   */
  public Future<Void> claimSocket() {
    AcceptGates.register(bound, gate);
    accepting.update(config.overload());
    return tls == null ? Future.succeededFuture() : tls.applyCurrent();
  }

  AcceptSwitch acceptSwitch() {
    return accepting;
  }

  /** The listener's admission: its counts of connections, per client address too. */
  public Admission admission() {
    return admission;
  }

  /** Its configuration. */
  public ListenerConfig config() {
    return config;
  }

  /** The port actually bound (the ephemeral one when configured as 0). */
  public int port() {
    return port;
  }

  /** The port or key its instances were deployed with, for a next generation to share their socket. */
  int bindPort() {
    return bindPort;
  }

  /** How many NetServer instances share the port. */
  public int instances() {
    return instances.size();
  }

  /** The listening sockets the kernel lists on that port (empty where /proc is not readable). */
  public List<KernelSockets.Listening> kernel() {
    return kernel;
  }

  /** {@code host:port} as bound. */
  public String address() {
    return config.hostAndPort(port);
  }

  /** Stops accepting and drains the listener's connections ({@code NetServer.shutdown} on every instance). */
  public Future<Void> stop(Vertx vertx) {
    onStop.run();
    return vertx.undeploy(deploymentId);
  }
}
