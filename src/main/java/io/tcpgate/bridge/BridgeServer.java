package io.tcpgate.bridge;

import io.tcpgate.config.BridgeConfig;
import io.tcpgate.metrics.BridgeStats;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * One NetServer instance of the bridge, on one event loop, with the bridge clients it accepted and one periodic sweep
 * for their idle deadline and expired requests.
 */
final class BridgeServer extends VerticleBase {

  private static final long SWEEP_MS = 1_000;

  private final BridgeConfig config;
  private final BridgeStats stats;
  private final int bindPort;
  private final Set<BridgeConnection> connections = new LinkedHashSet<>();
  private NetServer server;

  BridgeServer(BridgeConfig config, BridgeStats stats, int bindPort) {
    this.config = config;
    this.stats = stats;
    this.bindPort = bindPort;
  }

  @Override
  public Future<?> start() {
    server = vertx.createNetServer(new NetServerOptions()
        .setHost(config.host())
        .setPort(bindPort)
        .setTcpNoDelay(true)
        .setReuseAddress(true)
        .setRegisterWriteHandler(false))
      .connectHandler(socket -> {
        BridgeConnection connection = new BridgeConnection(vertx, socket, config, stats, this);
        connections.add(connection);
        connection.start();
      });
    long idleNanos = TimeUnit.SECONDS.toNanos(config.idleTimeoutSeconds());
    return server.listen().onSuccess(s -> vertx.setPeriodic(SWEEP_MS, t -> {
      long nowNanos = System.nanoTime();
      long nowMillis = System.currentTimeMillis();
      for (BridgeConnection connection : new ArrayList<>(connections)) {
        connection.sweep(nowNanos, nowMillis, idleNanos);
      }
    }));
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  void remove(BridgeConnection connection) {
    connections.remove(connection);
  }

  int actualPort() {
    return server.actualPort();
  }
}
