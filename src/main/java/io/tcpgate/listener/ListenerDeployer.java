package io.tcpgate.listener;

import io.tcpgate.admission.Admission;
import io.tcpgate.config.ListenerConfig;
import io.tcpgate.connection.Connections;
import io.tcpgate.metrics.GatewayStats;
import io.tcpgate.metrics.ListenerStats;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;


import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Binds one listener, with its admission stage: checks that its family can be honoured, deploys its NetServer instances, turns a bind failure
 * into a {@link BindException} that names the listener, host, port and OS reason, and checks the kernel's view of
 * what was bound.
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
   * Deploys {@code listener} with {@code instances} NetServer instances.
   *
   * @return the bound listener; fails with {@link BindException}, leaving nothing of this listener bound
   */
  public static Future<RunningListener> deploy(Vertx vertx, ListenerConfig listener, GatewayStats stats, int instances,
                                             long drainTimeoutMs, Connections connections) {
    try {
      FamilyCheck.beforeBind(listener);
    } catch (BindException e) {
      return Future.failedFuture(e);
    }
    int bindPort = bindPort(listener.port(), instances);
    ListenerStats listenerStats = stats.listener(listener.name());
    List<ListenerVerticle> verticles = new CopyOnWriteArrayList<>();
    Admission admission = Admission.ADMIT_ALL;
    DeploymentOptions options = new DeploymentOptions()
      .setInstances(instances)
      .setThreadingModel(ThreadingModel.EVENT_LOOP);
    return vertx.deployVerticle(() -> {
      ListenerVerticle verticle = new ListenerVerticle(listener, listenerStats, bindPort, drainTimeoutMs,
        connections, admission);
      verticles.add(verticle);
      return verticle;
    }, options)
      .recover(err -> Future.failedFuture(new BindException(listener.name(), "listener '" + listener.name()
        + "' cannot bind " + listener.hostAndPort(listener.port()) + " (family " + listener.family().configName()
        + "): " + BindException.osReason(err), err)))
      .compose(deploymentId -> {
        int port = verticles.get(0).actualPort();
        try {
          List<KernelSockets.Listening> kernel = FamilyCheck.afterBind(listener, port);
          stats.bound(listener.name(), port);
          return Future.succeededFuture(new RunningListener(listener, port, verticles, kernel, deploymentId));
        } catch (BindException e) {
          return vertx.undeploy(deploymentId).transform(ar -> Future.failedFuture(e));
        }
      });
  }
}
