package io.tcpgate.listener;

import io.tcpgate.admission.Admission;
import io.tcpgate.admission.ConnectionBudget;
import io.tcpgate.admission.IpAddresses;
import io.tcpgate.config.ListenerConfig;
import io.tcpgate.connection.Connections;
import io.tcpgate.metrics.GatewayStats;
import io.tcpgate.metrics.ListenerStats;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;


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
   * The port to ask Vert.x for: {@code port}, or for an ephemeral port ({@code 0}) served by several instances a
   * negative key, which Vert.x turns into one ephemeral port shared by all of them (port 0 would give each its own).
   */
  public static int bindPort(int port, int instances) {
    return port == 0 && instances > 1 ? -(SHARED_EPHEMERAL_KEYS.incrementAndGet()) : port;
  }

  /**
   * Reads and checks {@code listener}'s TLS files, as its deployment would, without binding anything (for
   * {@code --check}); blocking.
   *
   * @throws io.tcpgate.config.ConfigException naming the file's key when one is missing, unreadable or does not match
   */
  public static void checkFiles(Vertx vertx, ListenerConfig listener) {
    if (listener.tls() != null) {
      TlsMaterial.read(vertx, listener.tls());
    }
  }

  /**
   * Deploys {@code listener} with {@code instances} NetServer instances.
   *
   * @return the bound listener; fails with {@link BindException}, leaving nothing of this listener bound
   */
  public static Future<RunningListener> deploy(Vertx vertx, ListenerConfig listener, GatewayStats stats, int instances,
                                               long drainTimeoutMs, Connections connections, ConnectionBudget budget) {
    try {
      FamilyCheck.beforeBind(listener);
    } catch (BindException e) {
      return Future.failedFuture(e);
    }
    Future<TlsMaterial> tls = listener.tls() == null ? Future.succeededFuture()
      : vertx.executeBlocking(() -> TlsMaterial.read(vertx, listener.tls()), false);
    return tls.compose(material -> bind(vertx, listener, stats, instances, drainTimeoutMs, connections, budget,
      material));
  }

  private static Future<RunningListener> bind(Vertx vertx, ListenerConfig listener, GatewayStats stats, int instances,
                                              long drainTimeoutMs, Connections connections, ConnectionBudget budget,
                                              TlsMaterial tls) {
    int bindPort = bindPort(listener.port(), instances);
    ListenerStats listenerStats = stats.listener(listener.name());
    List<ListenerVerticle> verticles = new CopyOnWriteArrayList<>();
    Admission admission = new Admission(listener.effectiveAdmission(), budget, System::nanoTime);
    AcceptGate gate = new AcceptGate(admission, listenerStats,
      listener.proxyProtocol().enabled() ? listener.proxyProtocol().headerTimeoutMs() : 0);
    boolean gated = !admission.admitsEveryone();
    InetSocketAddress gateKey = listener.port() == 0 || !gated ? null
      : new InetSocketAddress(IpAddresses.parse(listener.host()), listener.port());
    if (gateKey != null) {
      AcceptGates.register(gateKey, gate);
    }
    DeploymentOptions options = new DeploymentOptions()
      .setInstances(instances)
      .setThreadingModel(ThreadingModel.EVENT_LOOP);
    return vertx.deployVerticle(() -> {
      ListenerVerticle verticle = new ListenerVerticle(listener, listenerStats, bindPort, drainTimeoutMs,
        connections, admission, tls);
      verticles.add(verticle);
      return verticle;
    }, options)
      .recover(err -> {
        if (gateKey != null) {
          AcceptGates.unregister(gateKey, gate);
        }
        return Future.failedFuture(new BindException(listener.name(), "listener '" + listener.name()
          + "' cannot bind " + listener.hostAndPort(listener.port()) + " (family " + listener.family().configName()
          + "): " + BindException.osReason(err), err));
      })
      .compose(deploymentId -> {
        int port = verticles.get(0).actualPort();
        InetSocketAddress bound = new InetSocketAddress(IpAddresses.parse(listener.host()), port);
        if (gated && gateKey == null) {
          AcceptGates.register(bound, gate);
        }
        if (listener.overload().stopAccepting()) {
          AcceptSwitch accepting = new AcceptSwitch(bound, listener.overload(), listenerStats);
          verticles.forEach(v -> v.acceptControl(accepting));
        }
        TlsReloader reloader = tls == null ? null : new TlsReloader(vertx, listener.name(), listener.tls(),
          listenerStats, tls, () -> verticles.stream().map(ListenerVerticle::server).toList());
        RunningListener running;
        try {
          List<KernelSockets.Listening> kernel = FamilyCheck.afterBind(listener, port);
          stats.bound(listener.name(), port);
          running = new RunningListener(listener, port, verticles, kernel, deploymentId, admission,
            () -> {
              AcceptGates.unregister(bound, gate);
              if (reloader != null) {
                reloader.stop();
              }
            });
        } catch (BindException e) {
          AcceptGates.unregister(bound, gate);
          return vertx.undeploy(deploymentId).transform(ar -> Future.failedFuture(e));
        }
        if (reloader != null) {
          reloader.start();
        }
        return Future.succeededFuture(running);
      });
  }
}
