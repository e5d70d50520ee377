package io.tcpgate.listener;

import io.tcpgate.admission.Admission;
import io.tcpgate.admission.IpAddresses;
import io.tcpgate.config.ListenerConfig;
import io.tcpgate.config.TlsConfig;
import io.tcpgate.connection.Connections;
import io.tcpgate.connection.ListenerSettings;
import io.tcpgate.metrics.GatewayStats;
import io.tcpgate.metrics.ListenerStats;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;


import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Binds one listener: checks that its family can be honoured, reads and checks its TLS files, sets up its
 * {@link Admission} and {@link AcceptGate}, deploys its NetServer instances, turns a bind failure into a
 * {@link BindException} that names the listener, host, port and OS reason, and checks the kernel's view of what was
 * bound.
 */
public final class ListenerDeployer {

  private static final AtomicInteger SHARED_EPHEMERAL_KEYS = new AtomicInteger();

  private ListenerDeployer() {
  }

  /**
   * The port to ask Vert.x for: {@code port}, or for an ephemeral port ({@code 0}) a negative key, which Vert.x turns
   * into one ephemeral port shared by every instance deployed with that key (port 0 would give each its own, and a
   * later generation of the listener could not join it).
   */
  public static int bindPort(int port) {
    return port == 0 ? -(SHARED_EPHEMERAL_KEYS.incrementAndGet()) : port;
  }

  /**
   * Deploys {@code listener} with {@code instances} NetServer instances on a socket of its own.
   *
   * @param admission the listener's admission, kept across its generations
   * @return the bound listener; fails with {@link BindException}, leaving nothing of this listener bound
   */
  public static Future<RunningListener> deploy(Vertx vertx, ListenerConfig listener, GatewayStats stats, int instances,
                                               long drainTimeoutMs, Connections connections, Admission admission) {
    return deploy(vertx, listener, stats, instances, drainTimeoutMs, connections, admission,
      bindPort(listener.port()), null);
  }

  /**
   * Deploys a new generation of {@code running}'s listener, as {@code listener} describes it, on the same listening
   * socket: the new instances share it with the old ones until those are stopped, so no connection attempt finds the
   * port closed. For changes of the instances, the PROXY protocol or the TLS handshake deadline; host, port, family
   * and TLS must be the same. Until {@link RunningListener#claimSocket()} the socket keeps {@code running}'s accept
   * gate and TLS material, so a reload that is rejected after this leaves the socket as it was.
   */
  public static Future<RunningListener> deployOnto(RunningListener running, Vertx vertx, ListenerConfig listener,
                                                   GatewayStats stats, int instances, long drainTimeoutMs,
                                                   Connections connections) {
    return deploy(vertx, listener, stats, instances, drainTimeoutMs, connections, running.admission(),
      running.bindPort(), running);
  }

  /**
   * Reads and checks the TLS files of {@code tls} without binding anything; blocking, so on a worker thread.
   *
   * @throws io.tcpgate.config.ConfigException naming the file's key when one is missing, unreadable or does not match
   */
  public static TlsMaterial readTls(Vertx vertx, TlsConfig tls) {
    return TlsMaterial.read(vertx, tls);
  }

  private static Future<RunningListener> deploy(Vertx vertx, ListenerConfig listener, GatewayStats stats,
                                                int instances, long drainTimeoutMs, Connections connections,
                                                Admission admission, int bindPort, RunningListener joining) {
    try {
      FamilyCheck.beforeBind(listener);
    } catch (BindException e) {
      return Future.failedFuture(e);
    }
    Future<TlsMaterial> tls = listener.tls() == null ? Future.succeededFuture()
      : vertx.executeBlocking(() -> TlsMaterial.read(vertx, listener.tls()), false);
    return tls.compose(material -> bind(vertx, listener, stats, instances, drainTimeoutMs, connections, admission,
      material, bindPort, joining));
  }

  private static Future<RunningListener> bind(Vertx vertx, ListenerConfig listener, GatewayStats stats, int instances,
                                              long drainTimeoutMs, Connections connections, Admission admission,
                                              TlsMaterial tls, int bindPort, RunningListener joining) {
    ListenerStats listenerStats = stats.listener(listener.name());
    List<ListenerVerticle> verticles = new CopyOnWriteArrayList<>();
    AcceptGate gate = new AcceptGate(admission, listenerStats,
      listener.proxyProtocol().deadlineMs());
    InetAddress host = IpAddresses.parse(listener.host());
    InetSocketAddress gateKey = listener.port() == 0 || joining != null ? null
      : new InetSocketAddress(host, listener.port());
    AcceptGate replaced = gateKey == null ? null : AcceptGates.register(gateKey, gate);
    DeploymentOptions options = new DeploymentOptions()
      .setInstances(instances)
      .setThreadingModel(ThreadingModel.EVENT_LOOP);
    ListenerSettings settings = ListenerSettings.of(listener);
    return vertx.deployVerticle(() -> {
      ListenerVerticle verticle = new ListenerVerticle(settings, listenerStats, bindPort, drainTimeoutMs,
        connections, admission, tls);
      verticles.add(verticle);
      return verticle;
    }, options)
      .recover(err -> {
        if (gateKey != null) {
          AcceptGates.restore(gateKey, gate, replaced);
        }
        return Future.failedFuture(new BindException(listener.name(), "listener '" + listener.name()
          + "' cannot bind " + listener.hostAndPort(listener.port()) + " (family " + listener.family().configName()
          + "): " + BindException.osReason(err), err));
      })
      .compose(deploymentId -> {
        int port = verticles.get(0).actualPort();
        InetSocketAddress bound = new InetSocketAddress(host, port);
        AcceptGate previous = joining != null ? null : gateKey == null ? AcceptGates.register(bound, gate) : replaced;
        AcceptSwitch accepting = joining != null ? joining.acceptSwitch()
          : new AcceptSwitch(bound, listener.overload(), listenerStats);
        verticles.forEach(v -> v.acceptControl(accepting));
        TlsReloader reloader = tls == null ? null : new TlsReloader(vertx, listener.name(), listener.tls(),
          listenerStats, tls, () -> verticles.stream().map(ListenerVerticle::server).toList());
        RunningListener running;
        try {
          List<KernelSockets.Listening> kernel = FamilyCheck.afterBind(listener, port);
          stats.bound(listener.name(), port);
          running = new RunningListener(listener, port, bindPort, bound, verticles, kernel, deploymentId, admission,
            gate, accepting, reloader, () -> {
              AcceptGates.unregister(bound, gate);
              if (reloader != null) {
                reloader.stop();
              }
            });
        } catch (BindException e) {
          AcceptGates.restore(bound, gate, previous);
          return vertx.undeploy(deploymentId).transform(ar -> Future.failedFuture(e));
        }
        if (reloader != null) {
          reloader.start();
        }
        return Future.succeededFuture(running);
      });
  }
}
