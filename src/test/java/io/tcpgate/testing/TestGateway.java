package io.tcpgate.testing;

import io.tcpgate.Gateway;
import io.tcpgate.TcpGate;
import io.tcpgate.config.GatewayConfig;
import io.tcpgate.metrics.GatewayStats;
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

  private final TcpGate app;
  private final Vertx vertx;
  private final GatewayStats stats;
  private Gateway gateway;

  public TestGateway() {
    this(io.tcpgate.config.TransportChoice.AUTO);
  }

  /** A gateway on the given transport (AUTO: epoll where available). */
  public TestGateway(io.tcpgate.config.TransportChoice transport) {
    this.app = TcpGate.create(EVENT_LOOPS, io.tcpgate.config.ClusterConfig.standalone(), false, transport).result();
    this.vertx = app.vertx();
    this.stats = app.stats();
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

  /** A config with these listeners, no workers (tests register their own consumers) and no admin server. */
  public static JsonObject config(JsonObject... listeners) {
    return new JsonObject().put("listeners", new JsonArray(new java.util.ArrayList<>(java.util.List.of((Object[]) listeners))))
      .put("shutdown", new JsonObject().put("drainTimeoutMs", 2000))
      .put("admin", new JsonObject().put("enabled", false));
  }

  /** The application around the gateway: admin server, readiness, metrics registry. */
  public TcpGate app() {
    return app;
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
    return app.start(GatewayConfig.fromJson(config)).map(a -> {
      gateway = a.gateway();
      return gateway;
    });
  }

  /** The admission of the running listener {@code name}: its counts of connections and client addresses. */
  public io.tcpgate.admission.Admission admission(String name) {
    return gateway.listeners().stream().filter(l -> l.config().name().equals(name)).findFirst().orElseThrow()
      .admission();
  }

  public int port(String listener) {
    return gateway.port(listener);
  }

  /** Closes {@code gw} (if a test got as far as creating one) and completes {@code ctx}: an {@code @AfterEach}. */
  public static void close(TestGateway gw, io.vertx.junit5.VertxTestContext ctx) {
    if (gw == null) {
      ctx.completeNow();
      return;
    }
    gw.close().onComplete(ctx.succeedingThenComplete());
  }

  public Future<Void> close() {
    return app.shutdown().transform(ar -> app.close());
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

  /**
   * Waits until the gateway's own books show no open connection, request in flight, pending timer or reply
   * awaited.
   */
  public void awaitNothingHeld(long timeoutMs) throws InterruptedException {
    try {
      await("nothing held", timeoutMs, () -> stats.openConnections() == 0 && stats.inFlight() == 0
        && stats.pendingTimers() == 0 && repliesAwaited() == 0);
    } catch (AssertionError e) {
      throw new AssertionError("still held after " + timeoutMs + " ms: " + stats.openConnections()
        + " open connections, " + stats.inFlight() + " requests in flight, " + stats.pendingTimers()
        + " pending timers, " + repliesAwaited() + " replies awaited");
    }
  }

  private int repliesAwaited() {
    return gateway == null ? 0 : gateway.repliesAwaited();
  }
}
