package io.tcpgate;

import io.tcpgate.admission.Admission;
import io.tcpgate.admission.ConnectionBudget;
import io.tcpgate.bridge.Bridge;
import io.tcpgate.config.GatewayConfig;
import io.tcpgate.config.ListenerConfig;
import io.tcpgate.config.WorkerConfig;
import io.tcpgate.connection.Connections;
import io.tcpgate.dispatch.PinnedDispatchCheck;
import io.tcpgate.listener.ListenerDeployer;
import io.tcpgate.listener.RunningListener;
import io.tcpgate.listener.TlsMaterial;
import io.tcpgate.metrics.BridgeStats;
import io.tcpgate.metrics.Drained;
import io.tcpgate.metrics.GatewayStats;
import io.tcpgate.reload.ConfigDiff;
import io.tcpgate.reload.ListenerChange;
import io.tcpgate.workers.WorkerDeployer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * A running gateway: its workers deployed and its listeners bound. Start one with
 * {@link #start(Vertx, GatewayConfig, GatewayStats, int)}; {@link #reconfigure} applies a reload; {@link #stop()}
 * drains it. Reconfiguration and stop are called one at a time (the reloader serialises them).
 */
public final class Gateway {

  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

  /** A worker deployment and the configuration it was deployed from. */
  private record Deployed(WorkerConfig config, String id) {
  }

  private final Vertx vertx;
  private final GatewayStats stats;
  private final int eventLoops;
  private final Connections connections;
  private final ConnectionBudget budget;
  private final Map<String, Admission> admissions = new ConcurrentHashMap<>();
  private final Map<String, String> broadcasts = new ConcurrentHashMap<>();
  private final List<Deployed> workers = new CopyOnWriteArrayList<>();
  private final Set<Future<Void>> draining = ConcurrentHashMap.newKeySet();
  private String pushRouter;
  private Bridge bridge;
  private volatile GatewayConfig config;
  private volatile List<RunningListener> listeners = List.of();

  private Gateway(Vertx vertx, GatewayConfig config, GatewayStats stats, int eventLoops) {
    this.vertx = vertx;
    this.config = config;
    this.stats = stats;
    this.eventLoops = eventLoops;
    this.connections = Connections.on(vertx);
    this.budget = new ConnectionBudget(config.maxConnections());
  }

  /**
   * Deploys the workers, then binds every listener in config order. When anything fails, everything already
   * deployed is undeployed again, so no listener stays bound, and the future fails with the first error.
   *
   * @param eventLoops NetServer instances for listeners that ask for one per event loop ({@code instances: 0})
   */
  public static Future<Gateway> start(Vertx vertx, GatewayConfig config, GatewayStats stats, int eventLoops) {
    Gateway gateway = new Gateway(vertx, config, stats, eventLoops);
    List<RunningListener> bound = new CopyOnWriteArrayList<>();
    Future<Void> chain = Future.succeededFuture();
    for (WorkerConfig worker : config.deployedWorkers()) {
      chain = chain.compose(v -> gateway.deploy(worker));
    }
    if (config.bridge().enabled()) {
      chain = chain.compose(v -> Bridge.start(vertx, config.bridge(), new BridgeStats(), eventLoops).map(b -> {
        gateway.bridge = b;
        LOG.info("event-bus bridge on {} (inbound {}, outbound {})", b.address(),
          config.bridge().inboundPermitted(), config.bridge().outboundPermitted());
        return null;
      }));
    }
    chain = chain.compose(v -> PinnedDispatchCheck.check(vertx, config, gateway.connections.pinned()));
    for (ListenerConfig listener : config.boundListeners()) {
      chain = chain.compose(v -> gateway.bind(listener, config.drainTimeoutMs()).map(bound::add).mapEmpty());
    }
    if (!config.boundListeners().isEmpty()) {
      chain = chain.compose(v -> gateway.connections.startPushRouter().map(id -> gateway.pushRouter = id))
        .compose(v -> Future.all(config.boundListeners().stream().map(l -> gateway.routeBroadcasts(l.name()))
          .toList()))
        .mapEmpty();
    }
    return chain.map(v -> {
      gateway.listeners = List.copyOf(bound);
      return gateway;
    }).recover(err -> {
      gateway.listeners = List.copyOf(bound);
      return gateway.stopAll().transform(ar -> Future.failedFuture(err));
    });
  }

  private Future<Void> deploy(WorkerConfig worker) {
    return WorkerDeployer.deploy(vertx, worker).map(id -> {
      workers.add(new Deployed(worker, id));
      return null;
    });
  }

  private Future<RunningListener> bind(ListenerConfig listener, long drainTimeoutMs) {
    // a listener's admission outlives its generations; a reload's new policy is applied when the reload commits
    Admission admission = admissions.computeIfAbsent(listener.name(),
      name -> new Admission(listener.effectiveAdmission(), budget, System::nanoTime));
    int instances = instances(listener);
    return ListenerDeployer.deploy(vertx, listener, stats, instances, drainTimeoutMs, connections, admission)
      .onSuccess(b -> LOG.info("listener '{}' bound {} ({}, {} instance{}; kernel: {}) -> {}", listener.name(),
        b.address(), listener.family().configName(), instances, instances == 1 ? "" : "s",
        b.kernel().isEmpty() ? "not readable" : b.kernel().stream().map(Object::toString)
          .collect(Collectors.joining(", ")), listener.address()));
  }

  private int instances(ListenerConfig listener) {
    return listener.instances() == 0 ? eventLoops : listener.instances();
  }

  private Future<Void> routeBroadcasts(String listener) {
    return connections.startBroadcasts(listener).map(id -> {
      broadcasts.put(listener, id);
      return null;
    });
  }

  /**
   * Applies a reload: {@code diff} between the running configuration and {@code next}. First what can fail, undone
   * if anything does: new workers deployed, new listeners and generations bound (a bind failure rejects the reload
   * and keeps every running listener as it was). Then what cannot fail: settings changed in place, the new
   * listeners put in service, old generations and removed listeners drained as at shutdown (their connections keep
   * being answered up to {@code shutdown.drainTimeoutMs}), and removed workers undeployed once those drains end.
   *
   * @param tls the checked TLS material of every listener whose TLS files or settings change in place
   */
  public Future<Void> reconfigure(GatewayConfig next, ConfigDiff diff, Map<String, TlsMaterial> tls) {
    Map<String, RunningListener> running = new HashMap<>();
    listeners.forEach(l -> running.put(l.config().name(), l));
    List<Deployed> workersBefore = List.copyOf(workers);
    Map<String, RunningListener> generations = new ConcurrentHashMap<>();
    Future<Void> chain = Future.succeededFuture();
    for (WorkerConfig worker : diff.workersAdded()) {
      chain = chain.compose(v -> deploy(worker));
    }
    chain = chain.compose(v -> PinnedDispatchCheck.check(vertx, next, connections.pinned()));
    for (ListenerChange change : diff.listeners()) {
      if (change.kind() == ListenerChange.Kind.ADDED || change.kind() == ListenerChange.Kind.NEW_SOCKET) {
        chain = chain.compose(v -> bind(change.after(), next.drainTimeoutMs())
          .map(b -> generations.put(change.name(), b)).mapEmpty());
      }
    }
    // last, so that a failure before them leaves no connection on a generation the rejected reload would drain
    for (ListenerChange change : diff.listeners()) {
      if (change.kind() == ListenerChange.Kind.SAME_SOCKET) {
        chain = chain.compose(v -> ListenerDeployer.deployOnto(running.get(change.name()), vertx, change.after(),
            stats, instances(change.after()), next.drainTimeoutMs(), connections)
          .map(b -> generations.put(change.name(), b)).mapEmpty());
      }
    }
    Set<String> admitting = Set.copyOf(admissions.keySet());
    return chain.transform(ar -> {
      if (ar.failed()) {
        List<Future<Void>> undo = new ArrayList<>();
        generations.values().forEach(g -> undo.add(g.stop(vertx)));
        admissions.keySet().retainAll(admitting);
        return Future.join(undo).transform(x -> undeployNewWorkers(workersBefore))
          .transform(x -> Future.failedFuture(ar.cause()));
      }
      return commit(next, diff, tls, running, generations);
    });
  }

  private Future<Void> undeployNewWorkers(List<Deployed> before) {
    List<String> added = new ArrayList<>();
    for (Deployed worker : workers) {
      if (!before.contains(worker)) {
        workers.remove(worker);
        added.add(worker.id());
      }
    }
    return undeploy(added);
  }

  private Future<Void> commit(GatewayConfig next, ConfigDiff diff, Map<String, TlsMaterial> tls,
                              Map<String, RunningListener> running, Map<String, RunningListener> generations) {
    List<Future<Void>> updates = new ArrayList<>();
    List<RunningListener> retired = new ArrayList<>();
    Map<String, ListenerChange> changes = new HashMap<>();
    diff.listeners().forEach(c -> changes.put(c.name(), c));
    List<RunningListener> serving = new ArrayList<>();
    for (ListenerConfig listener : next.boundListeners()) {
      ListenerChange change = changes.get(listener.name());
      RunningListener generation = generations.get(listener.name());
      RunningListener current = running.get(listener.name());
      if (generation != null) {
        serving.add(generation);
        if (current != null) {
          retired.add(current);
        }
        admissions.get(listener.name()).update(listener.effectiveAdmission());
        if (change.kind() == ListenerChange.Kind.SAME_SOCKET) {
          updates.add(generation.claimSocket());
        }
      } else {
        serving.add(current);
        if (change != null || next.drainTimeoutMs() != config.drainTimeoutMs()) {
          updates.add(current.update(listener, next.drainTimeoutMs(), tls.get(listener.name())));
        }
      }
    }
    List<String> removedNames = new ArrayList<>();
    for (ListenerChange change : diff.listeners()) {
      if (change.kind() == ListenerChange.Kind.REMOVED) {
        retired.add(running.get(change.name()));
        removedNames.add(change.name());
      }
    }
    budget.limit(next.maxConnections());
    listeners = List.copyOf(serving);
    config = next;
    for (ListenerChange change : diff.listeners()) {
      if (change.kind() == ListenerChange.Kind.ADDED && !broadcasts.containsKey(change.name())) {
        updates.add(routeBroadcasts(change.name()));
      }
    }
    List<Future<Void>> drains = new ArrayList<>();
    for (RunningListener old : retired) {
      drains.add(old.stop(vertx));
    }
    Future<Void> drained = Future.join(drains).mapEmpty();
    draining.add(drained);
    drained.onComplete(ar -> {
      draining.remove(drained);
      for (String name : removedNames) {
        if (listeners.stream().noneMatch(l -> l.config().name().equals(name))) {
          String router = broadcasts.remove(name);
          if (router != null) {
            vertx.undeploy(router);
          }
        }
      }
      undeployRemovedWorkers(diff.workersRemoved());
    });
    return Future.join(updates).mapEmpty();
  }

  private void undeployRemovedWorkers(List<WorkerConfig> removed) {
    List<WorkerConfig> toRemove = new ArrayList<>(removed);
    for (Deployed worker : workers) {
      if (toRemove.remove(worker.config())) {
        workers.remove(worker);
        vertx.undeploy(worker.id()).onFailure(err -> LOG.warn("undeploying worker '{}' failed: {}",
          worker.config().verticle(), err.toString()));
      }
    }
  }

  private Future<Void> stopAll() {
    List<Future<Void>> stops = new ArrayList<>();
    for (RunningListener listener : listeners) {
      stops.add(listener.stop(vertx));
    }
    stops.addAll(draining);
    return Future.join(stops)
      .transform(ar -> undeploy(workers.stream().map(Deployed::id).toList()))
      .transform(ar -> bridge == null ? Future.<Void>succeededFuture() : bridge.stop())
      .transform(ar -> {
        List<String> routers = new ArrayList<>(broadcasts.values());
        if (pushRouter != null) {
          routers.add(pushRouter);
        }
        return undeploy(routers);
      })
      .andThen(ar -> connections.close());
  }

  private Future<Void> undeploy(List<String> deployments) {
    List<Future<Void>> undeploys = new ArrayList<>();
    for (String id : deployments) {
      undeploys.add(vertx.undeploy(id));
    }
    return Future.join(undeploys).mapEmpty();
  }

  /**
   * Graceful stop: every listener stops accepting at once; frames already received get their replies for up to the
   * drain timeout while new frames get {@code ERR shutting-down}; then connections close and workers are undeployed.
   */
  public Future<Void> stop() {
    LOG.info("draining {} listener(s), up to {} ms", listeners.size(), config.drainTimeoutMs());
    return stopAll()
      .transform(ar -> Drained.whenZero(vertx, stats::openConnections, 1_000))
      .onComplete(ar -> LOG.info("drain complete; {} connection(s) still open", stats.openConnections()));
  }

  /** The event-bus bridge, or {@code null} when it is not enabled. */
  public Bridge bridge() {
    return bridge;
  }

  /** The bound listeners, in config order (their current generations). */
  public List<RunningListener> listeners() {
    return listeners;
  }

  /** The port listener {@code name} is bound on. */
  public int port(String name) {
    return listeners.stream().filter(l -> l.config().name().equals(name)).findFirst()
      .orElseThrow(() -> new IllegalArgumentException("no listener named " + name)).port();
  }

  /** Listener generations that a reload retired and that are still draining. */
  public int draining() {
    return draining.size();
  }

  /**
   * Listener instances serving, every generation counted (each with its idle sweeper and lag probe): the sum of the
   * listeners' instances once retired generations have drained.
   */
  public int listenerInstances() {
    return connections.instances();
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
