package io.tcpgate.bridge;

import io.tcpgate.config.BridgeConfig;
import io.tcpgate.config.HostPort;
import io.tcpgate.listener.BindException;
import io.tcpgate.listener.ListenerDeployer;
import io.tcpgate.metrics.BridgeStats;
import io.tcpgate.metrics.Drained;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The running event-bus bridge: its NetServer instances (one per event loop) on the configured port. Start it with
 * {@link #start}; {@link #stop} closes every bridge connection, answering the requests their clients held as having
 * no handler.
 */
public final class Bridge {

  private final Vertx vertx;
  private final BridgeConfig config;
  private final BridgeStats stats;
  private final int port;
  private final String deploymentId;

  private Bridge(Vertx vertx, BridgeConfig config, BridgeStats stats, int port, String deploymentId) {
    this.vertx = vertx;
    this.config = config;
    this.stats = stats;
    this.port = port;
    this.deploymentId = deploymentId;
  }

  /** Binds the bridge; fails with a {@link BindException} naming the host, port and OS reason. */
  public static Future<Bridge> start(Vertx vertx, BridgeConfig config, BridgeStats stats, int instances) {
    int bindPort = ListenerDeployer.bindPort(config.port());
    List<BridgeServer> servers = new CopyOnWriteArrayList<>();
    DeploymentOptions options = new DeploymentOptions().setInstances(instances)
      .setThreadingModel(ThreadingModel.EVENT_LOOP);
    return vertx.deployVerticle(() -> {
      BridgeServer server = new BridgeServer(config, stats, bindPort);
      servers.add(server);
      return server;
    }, options)
      .recover(err -> Future.failedFuture(new BindException("bridge", "the event-bus bridge cannot bind "
        + HostPort.format(config.host(), config.port()) + ": " + BindException.osReason(err), err)))
      .map(id -> new Bridge(vertx, config, stats, servers.get(0).actualPort(), id));
  }

  /** The port the bridge listens on. */
  public int port() {
    return port;
  }

  /** {@code host:port} as bound. */
  public String address() {
    return HostPort.format(config.host(), port);
  }

  /** The bridge's books. */
  public BridgeStats stats() {
    return stats;
  }

  /** Closes the bridge and every connection to it. */
  public Future<Void> stop() {
    return vertx.undeploy(deploymentId)
      .compose(v -> Drained.whenZero(vertx, stats::openConnections, 1_000));
  }
}
