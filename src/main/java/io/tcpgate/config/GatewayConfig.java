package io.tcpgate.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The whole, validated gateway configuration. Built only through {@link #fromJson(JsonObject)}, which rejects
 * unknown keys, wrong types and impossible values with a {@link ConfigException} naming the key path.
 *
 * @param listeners       the TCP listeners, in config order
 * @param workers         the verticles deployed beside them
 * @param drainTimeoutMs  on shutdown, how long frames already received may take to get their replies
 * @param graceDelayMs    on shutdown, how long listeners keep accepting after readiness turned 503, so load
 *                        balancers can take this instance out first
 * @param admin           the admin HTTP server
 * @param logFormat       the log line format; the {@code LOG_FORMAT} environment variable wins when set
 * @param cluster         clustering, off by default
 * @param bridge          the event-bus bridge for workers in other languages, off by default
 * @param maxConnections  connections open at once over all listeners (top-level {@code admission.maxConnections});
 *                        {@code 0} for no limit
 * @param transport       the socket transport: native epoll where available, or NIO
 * @param reload          when the configuration is read again besides {@code SIGHUP}
 */
public record GatewayConfig(List<ListenerConfig> listeners, List<WorkerConfig> workers, long drainTimeoutMs,
                            long graceDelayMs, AdminConfig admin, LogFormat logFormat, ClusterConfig cluster,
                            BridgeConfig bridge, int maxConnections, TransportChoice transport,
                            ReloadConfig reload) {

  /** Drain timeout unless configured: 10 s. */
  public static final long DEFAULT_DRAIN_TIMEOUT_MS = 10_000;
  /** Grace delay unless configured: none. */
  public static final long DEFAULT_GRACE_DELAY_MS = 0;

  static final Set<String> KEYS = Set.of("defaults", "listeners", "workers", "shutdown", "admin", "logging",
    "cluster", "bridge", "admission", "transport", "reload");
  static final Set<String> SHUTDOWN_KEYS = Set.of("drainTimeoutMs", "graceDelayMs");
  static final Set<String> LOGGING_KEYS = Set.of("format");

  /** The workers this node deploys: all of them, unless its cluster role runs listeners only. */
  public List<WorkerConfig> deployedWorkers() {
    return cluster.role().runsWorkers() ? workers : List.of();
  }

  /** The listeners this node binds: all of them, unless its cluster role runs workers only. */
  public List<ListenerConfig> boundListeners() {
    return cluster.role().runsListeners() ? listeners : List.of();
  }

  /**
   * Validates {@code json} and builds the configuration.
   *
   * @throws ConfigException with every problem found, one per line (every unknown key, and the first problem of each
   *     listener, worker and section), each starting with its key path
   */
  public static GatewayConfig fromJson(JsonObject json) {
    return ConfigProblems.collecting(() -> parse(json));
  }

  private static GatewayConfig parse(JsonObject json) {
    JsonFields root = new JsonFields(json, "", KEYS);
    ClusterConfig cluster = ConfigProblems.section(() -> root.has("cluster")
      ? ClusterConfig.fromJson(root.object("cluster"), "cluster") : ClusterConfig.standalone(),
      ClusterConfig.standalone());
    JsonObject defaults = ConfigProblems.section(() -> root.object("defaults"), new JsonObject());
    JsonArray listenersJson = ConfigProblems.section(() -> root.array("listeners"), new JsonArray());
    if (listenersJson.isEmpty() && cluster.role().runsListeners()) {
      ConfigProblems.report(new ConfigException("listeners", "at least one listener is required (unless cluster.role"
        + " is worker)"));
    }
    List<ListenerConfig> listeners = new ArrayList<>();
    Map<String, Integer> names = new HashMap<>();
    List<Integer> indexes = new ArrayList<>();
    for (int i = 0; i < listenersJson.size(); i++) {
      String path = "listeners[" + i + "]";
      int index = i;
      ListenerConfig listener = ConfigProblems.section(() -> ListenerConfig.fromJson(listenersJson.getValue(index),
        path, defaults), null);
      if (listener == null) {
        continue;
      }
      boolean distinct = ConfigProblems.section(() -> {
        Integer previous = names.putIfAbsent(listener.name(), index);
        if (previous != null) {
          throw new ConfigException(path + ".name", "'" + listener.name() + "' is already the name of listeners["
            + previous + "]");
        }
        for (int j = 0; j < listeners.size(); j++) {
          if (listener.overlaps(listeners.get(j))) {
            throw new ConfigException(path + ".port", listener.hostAndPort(listener.port()) + " ("
              + listener.family().configName() + ") collides with listeners[" + indexes.get(j) + "] '"
              + listeners.get(j).name()
              + "' on " + listeners.get(j).hostAndPort(listeners.get(j).port()) + " ("
              + listeners.get(j).family().configName() + ")");
          }
        }
        return true;
      }, false);
      if (distinct) {
        listeners.add(listener);
        indexes.add(index);
      }
    }
    JsonArray workersJson = ConfigProblems.section(() -> root.array("workers"), new JsonArray());
    List<WorkerConfig> workers = new ArrayList<>();
    for (int i = 0; i < workersJson.size(); i++) {
      int index = i;
      WorkerConfig worker = ConfigProblems.section(() -> WorkerConfig.fromJson(workersJson.getValue(index),
        "workers[" + index + "]"), null);
      if (worker != null) {
        workers.add(worker);
      }
    }
    long[] shutdown = ConfigProblems.section(() -> {
      JsonFields f = JsonFields.of(root.object("shutdown"), "shutdown", SHUTDOWN_KEYS);
      return new long[] {f.longValue("drainTimeoutMs", DEFAULT_DRAIN_TIMEOUT_MS, 1, Long.MAX_VALUE),
        f.longValue("graceDelayMs", DEFAULT_GRACE_DELAY_MS, 0, Long.MAX_VALUE)};
    }, new long[] {DEFAULT_DRAIN_TIMEOUT_MS, DEFAULT_GRACE_DELAY_MS});
    AdminConfig admin = ConfigProblems.section(() -> AdminConfig.fromJson(root.object("admin"), "admin"), null);
    if (admin != null && admin.enabled() && admin.port() != 0) {
      for (int i = 0; i < listeners.size(); i++) {
        if (listeners.get(i).port() == admin.port()) {
          ConfigProblems.report(new ConfigException("admin.port", admin.port() + " is already the port of listeners["
            + indexes.get(i) + "] '" + listeners.get(i).name() + "'"));
        }
      }
    }
    LogFormat format = ConfigProblems.section(() -> JsonFields.of(root.object("logging"), "logging", LOGGING_KEYS)
      .choice("format", LogFormat.PLAIN, LogFormat.values(), LogFormat::configName), LogFormat.PLAIN);
    BridgeConfig bridge = ConfigProblems.section(() -> BridgeConfig.fromJson(root.object("bridge"), "bridge"), null);
    if (bridge != null && bridge.enabled() && bridge.port() != 0) {
      for (int i = 0; i < listeners.size(); i++) {
        if (listeners.get(i).port() == bridge.port()) {
          ConfigProblems.report(new ConfigException("bridge.port", bridge.port() + " is already the port of listeners["
            + indexes.get(i) + "] '" + listeners.get(i).name() + "'"));
        }
      }
      if (admin != null && admin.enabled() && admin.port() == bridge.port()) {
        ConfigProblems.report(new ConfigException("bridge.port", bridge.port() + " is already the admin server's"
          + " port"));
      }
    }
    int maxConnections = ConfigProblems.section(() -> AdmissionConfig.processMaxConnections(root.object("admission")),
      0);
    TransportChoice transport = ConfigProblems.section(() -> root.choice("transport", TransportChoice.AUTO,
      TransportChoice.values(), TransportChoice::configName), TransportChoice.AUTO);
    ReloadConfig reload = ConfigProblems.section(() -> ReloadConfig.fromJson(root.object("reload"), "reload"),
      ReloadConfig.SIGNAL_ONLY);
    if (ConfigProblems.any()) {
      return null;
    }
    return new GatewayConfig(List.copyOf(listeners), List.copyOf(workers), shutdown[0], shutdown[1], admin, format,
      cluster, bridge, maxConnections, transport, reload);
  }
}
