package io.tcpgate.testing;

import io.tcpgate.Gateway;
import io.tcpgate.config.GatewayConfig;
import io.tcpgate.metrics.GatewayStats;
import io.tcpgate.net.AcceptErrorLog;
import io.tcpgate.net.GatewayTransport;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A gateway in the test JVM, on a Vert.x built the way {@code Main} builds it (with {@link GatewayTransport}),
 * on loopback and ephemeral ports.
 */
public final class TestGateway {

  /** Event loops of the test Vert.x, and so NetServer instances per listener by default. */
  public static final int EVENT_LOOPS = 2;

  private final Vertx vertx;
  private final GatewayStats stats;
  private Gateway gateway;

  public TestGateway() {
    this.stats = new GatewayStats();
    this.vertx = Vertx.builder()
      .with(new io.vertx.core.VertxOptions().setEventLoopPoolSize(EVENT_LOOPS))
      .withTransport(new GatewayTransport(new AcceptErrorLog(stats)).asVertxTransport())
      .build();
  }

  /** A listener on 127.0.0.1, ephemeral port, line framing, short timeouts; adjust the returned JSON. */
  public static JsonObject listener(String name, String address) {
    return new JsonObject()
      .put("name", name)
      .put("host", "127.0.0.1")
      .put("port", 0)
      .put("family", "ipv4")
      .put("framing", new JsonObject().put("kind", "lines"))
      .put("address", address);
  }

  /** A config with these listeners and no workers; tests register their own consumers. */
  public static JsonObject config(JsonObject... listeners) {
    return new JsonObject().put("listeners", new JsonArray(java.util.List.of((Object[]) listeners)))
      .put("shutdown", new JsonObject().put("drainTimeoutMs", 2000));
  }

  public Vertx vertx() {
    return vertx;
  }

  public GatewayStats stats() {
    return stats;
  }

  public Gateway gateway() {
    return gateway;
  }

  public Future<Gateway> start(JsonObject config) {
    return Gateway.start(vertx, GatewayConfig.fromJson(config), stats, EVENT_LOOPS).onSuccess(g -> gateway = g);
  }

  public int port(String listener) {
    return gateway.port(listener);
  }

  public Future<Void> close() {
    Future<Void> stopped = gateway == null ? Future.succeededFuture() : gateway.stop();
    return stopped.transform(ar -> vertx.close());
  }

  /** Polls {@code condition} every 10 ms until it holds, failing after {@code timeoutMs}. */
  public static void await(String what, long timeoutMs, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeoutMs + " ms waiting for: " + what);
      }
      Thread.sleep(10);
    }
  }

  /** Waits until the gateway's own books show no open connection, request in flight or pending timer. */
  public void awaitNothingHeld(long timeoutMs) throws InterruptedException {
    try {
      await("nothing held", timeoutMs,
        () -> stats.openConnections() == 0 && stats.inFlight() == 0 && stats.pendingTimers() == 0);
    } catch (AssertionError e) {
      throw new AssertionError("still held after " + timeoutMs + " ms: " + stats.openConnections() + " open connections, "
        + stats.inFlight() + " requests in flight, " + stats.pendingTimers() + " pending timers");
    }
  }
}
