package io.tcpgate;

import io.tcpgate.admission.ConnectionBudget;
import io.tcpgate.bridge.Bridge;
import io.tcpgate.config.GatewayConfig;
import io.tcpgate.config.ListenerConfig;
import io.tcpgate.metrics.BridgeStats;
import io.tcpgate.metrics.Drained;
import io.tcpgate.metrics.GatewayStats;
import io.tcpgate.listener.RunningListener;
import io.tcpgate.connection.Connections;
import io.tcpgate.dispatch.PinnedDispatchCheck;
import io.tcpgate.listener.ListenerDeployer;
import io.tcpgate.workers.WorkerDeployer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * A running gateway: its workers deployed and its listeners bound. Start one with
 * {@link #start(Vertx, GatewayConfig, GatewayStats, int)}; {@link #stop()} drains it.
 */
public final class Gateway {

  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

  private final Vertx vertx;
  private final GatewayConfig config;
  private final GatewayStats stats;
  private final List<String> routerDeployments;
  private final List<String> workerDeployments;
  private final List<RunningListener> listeners;
  private final Connections connections;
  private final Bridge bridge;

  private Gateway(Vertx vertx, GatewayConfig config, GatewayStats stats, List<String> routerDeployments,
                  List<String> workerDeployments, List<RunningListener> listeners, Connections connections,
                  Bridge bridge) {
    this.vertx = vertx;
    this.config = config;
    this.stats = stats;
    this.routerDeployments = List.copyOf(routerDeployments);
    this.workerDeployments = workerDeployments;
    this.listeners = listeners;
    this.connections = connections;
    this.bridge = bridge;
  }

  /**
   * Deploys the workers, then binds every listener in config order. When anything fails, everything already
   * deployed is undeployed again, so no listener stays bound, and the future fails with the first error.
   *
   * @param eventLoops NetServer instances for listeners that ask for one per event loop ({@code instances: 0})
   */
  public static Future<Gateway> start(Vertx vertx, GatewayConfig config, GatewayStats stats, int eventLoops) {
    List<String> workers = new CopyOnWriteArrayList<>();
    List<RunningListener> bound = new CopyOnWriteArrayList<>();
    List<String> routers = new CopyOnWriteArrayList<>();
    Connections connections = Connections.on(vertx);
    ConnectionBudget budget = new ConnectionBudget(config.maxConnections());
    Future<Void> chain = Future.succeededFuture();
    for (var worker : config.deployedWorkers()) {
      chain = chain.compose(v -> WorkerDeployer.deploy(vertx, worker).map(id -> {
        workers.add(id);
        return null;
      }));
    }
    AtomicReference<Bridge> bridge = new AtomicReference<>();
    if (config.bridge().enabled()) {
      chain = chain.compose(v -> Bridge.start(vertx, config.bridge(), new BridgeStats(), eventLoops).map(b -> {
        bridge.set(b);
        LOG.info("event-bus bridge on {} (inbound {}, outbound {})", b.address(),
          config.bridge().inboundPermitted(), config.bridge().outboundPermitted());
        return null;
      }));
    }
    chain = chain.compose(v -> PinnedDispatchCheck.check(vertx, config, connections.pinned()));
    for (ListenerConfig listener : config.boundListeners()) {
      int instances = listener.instances() == 0 ? eventLoops : listener.instances();
      chain = chain.compose(v -> ListenerDeployer.deploy(vertx, listener, stats, instances, config.drainTimeoutMs(),
          connections, budget)
        .map(b -> {
          bound.add(b);
          LOG.info("listener '{}' bound {} ({}, {} instance{}; kernel: {}) -> {}", listener.name(), b.address(),
            listener.family().configName(), instances, instances == 1 ? "" : "s",
            b.kernel().isEmpty() ? "not readable" : b.kernel().stream().map(Object::toString)
              .collect(Collectors.joining(", ")), listener.address());
          return null;
        }));
    }
    if (!config.boundListeners().isEmpty()) {
      chain = chain.compose(v -> connections.startPushRouter(
          config.listeners().stream().map(ListenerConfig::name).toList())
        .map(id -> {
          routers.add(id);
          return null;
        }));
    }
    return chain.map(v -> new Gateway(vertx, config, stats, routers, List.copyOf(workers), List.copyOf(bound),
        connections, bridge.get()))
      .recover(err -> undeploy(vertx, routers).transform(ar -> undeployAll(vertx, bound, workers))
        .transform(ar -> bridge.get() == null ? Future.<Void>succeededFuture() : bridge.get().stop())
        .andThen(ar -> connections.close())
        .transform(ar -> Future.failedFuture(err)));
  }

  private static Future<Void> undeploy(Vertx vertx, List<String> deployments) {
    List<Future<Void>> undeploys = new ArrayList<>();
    for (String id : deployments) {
      undeploys.add(vertx.undeploy(id));
    }
    return Future.join(undeploys).mapEmpty();
  }

  private static Future<Void> undeployAll(Vertx vertx, List<RunningListener> listeners, List<String> workers) {
    List<Future<Void>> stops = new ArrayList<>();
    for (RunningListener listener : listeners) {
      stops.add(listener.stop(vertx));
    }
    return Future.join(stops).transform(ar -> undeploy(vertx, workers));
  }

  /**
   * Graceful stop: every listener stops accepting at once; frames already received get their replies for up to the
   * drain timeout while new frames get {@code ERR shutting-down}; then connections close and workers are undeployed.
   */
  public Future<Void> stop() {
    LOG.info("draining {} listener(s), up to {} ms", listeners.size(), config.drainTimeoutMs());
    return undeployAll(vertx, listeners, workerDeployments)
      .transform(ar -> bridge == null ? Future.<Void>succeededFuture() : bridge.stop())
      .transform(ar -> undeploy(vertx, routerDeployments))
      .andThen(ar -> connections.close())
      .transform(ar -> Drained.whenZero(vertx, stats::openConnections, 1_000))
      .onComplete(ar -> LOG.info("drain complete; {} connection(s) still open", stats.openConnections()));
  }

  /** The event-bus bridge, or {@code null} when it is not enabled. */
  public Bridge bridge() {
    return bridge;
  }

  /** The bound listeners, in config order. */
  public List<RunningListener> listeners() {
    return listeners;
  }

  /** The port listener {@code name} is bound on. */
  public int port(String name) {
    return listeners.stream().filter(l -> l.config().name().equals(name)).findFirst()
      .orElseThrow(() -> new IllegalArgumentException("no listener named " + name)).port();
  }

  /** Requests whose replies the fast path still waits for (see {@link Connections#repliesAwaited()}). */
  public int repliesAwaited() {
    return connections.repliesAwaited();
  }

  /** The gateway's books. */
  public GatewayStats stats() {
    return stats;
  }

  /** The configuration it runs. */
  public GatewayConfig config() {
    return config;
  }
}
