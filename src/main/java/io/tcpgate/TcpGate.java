package io.tcpgate;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tcpgate.admin.AdminServer;
import io.tcpgate.cluster.HazelcastSettings;
import io.tcpgate.admin.GatewayInfo;
import io.tcpgate.admin.GatewayMeters;
import io.tcpgate.admin.LogSetup;
import io.tcpgate.admin.ProcessMeters;
import io.tcpgate.admin.Readiness;
import io.tcpgate.config.AdminConfig;
import io.tcpgate.config.ClusterConfig;
import io.tcpgate.config.ConfigException;
import io.tcpgate.config.GatewayConfig;
import io.tcpgate.config.TransportChoice;
import io.tcpgate.metrics.GatewayStats;
import io.tcpgate.listener.AcceptErrorLog;
import io.tcpgate.listener.BindException;
import io.tcpgate.listener.RunningListener;
import io.tcpgate.listener.GatewayTransport;
import io.tcpgate.reload.ConfigReloader;
import io.tcpgate.reload.ConfigSource;
import io.tcpgate.reload.ReloadResult;
import io.vertx.core.json.JsonObject;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * The whole application, assembled: Vert.x with tcpgate's transport and Prometheus metrics, the admin server, and the
 * gateway. {@link Main} runs one; tests run several in one JVM.
 *
 * <p>Lifecycle: {@link #start(GatewayConfig)} brings up the admin server (readiness 503), then the gateway, then
 * readiness 200. {@link #shutdown()} turns readiness 503, keeps accepting for the grace delay, drains the gateway,
 * and stops the admin server.
 */
public final class TcpGate {

  private static final Logger LOG = LoggerFactory.getLogger(TcpGate.class);

  private final Vertx vertx;
  private final GatewayStats stats;
  private final PrometheusMeterRegistry registry;
  private final ProcessMeters processMeters;
  private final Readiness readiness = new Readiness();
  private final int eventLoops;
  private final GatewayTransport transport;
  private volatile Gateway gateway;
  private volatile ConfigReloader reloader;
  private String adminDeployment;
  private AdminServer admin;

  private TcpGate(int eventLoops, Vertx vertx, GatewayStats stats, PrometheusMeterRegistry registry,
                  ProcessMeters processMeters, GatewayTransport transport) {
    this.eventLoops = eventLoops;
    this.vertx = vertx;
    this.stats = stats;
    this.registry = registry;
    this.processMeters = processMeters;
    this.transport = transport;
  }

  /**
   * Creates a standalone Vert.x with {@code eventLoops} event-loop threads and the default meters; nothing is bound
   * yet.
   */
  public static TcpGate create(int eventLoops) {
    return create(eventLoops, ClusterConfig.standalone(), AdminConfig.DEFAULT_EVENT_BUS_METRICS, TransportChoice.AUTO)
      .result();
  }

  /**
   * Creates Vert.x with {@code eventLoops} event-loop threads: standalone, or joined to the cluster {@code cluster}
   * describes (completing once this node is a member).
   *
   * @param eventBusMetrics keep Vert.x's per-message event-bus meters (see {@code admin.eventBusMetrics})
   * @param transportChoice native epoll, NIO, or epoll where available
   */
  public static Future<TcpGate> create(int eventLoops, ClusterConfig cluster, boolean eventBusMetrics,
                                       TransportChoice transportChoice) {
    GatewayStats stats = new GatewayStats();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    GatewayTransport transport;
    try {
      transport = new GatewayTransport(new AcceptErrorLog(stats), transportChoice);
    } catch (IllegalStateException e) {
      return Future.failedFuture(new ConfigException("transport", e.getMessage()));
    }
    if (transportChoice == TransportChoice.AUTO && GatewayTransport.epollUnavailability() != null) {
      LOG.info("transport nio (epoll is not available: {})", GatewayTransport.epollUnavailability().toString());
    } else {
      LOG.info("transport {}", transport.name());
    }
    // JVM and process meters (heap, GC, threads, classes, CPU, uptime, file descriptors) and tcpgate_build_info
    ProcessMeters processMeters = ProcessMeters.bind(registry);
    MicrometerMetricsOptions metrics = new MicrometerMetricsOptions()
      .setEnabled(true)
      .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true));
    if (!eventBusMetrics) {
      metrics.addDisabledMetricsCategory(MetricsDomain.EVENT_BUS);
    }
    VertxOptions options = new VertxOptions().setEventLoopPoolSize(eventLoops).setMetricsOptions(metrics);
    VertxBuilder builder = Vertx.builder()
      .with(options)
      .withMetrics(new MicrometerMetricsFactory(registry))
      .withTransport(transport.asVertxTransport());
    if (!cluster.enabled()) {
      return Future.succeededFuture(new TcpGate(eventLoops, builder.build(), stats, registry, processMeters,
        transport));
    }
    options.getEventBusOptions().setHost(cluster.host()).setPort(cluster.port());
    return builder.withClusterManager(new HazelcastClusterManager(HazelcastSettings.from(cluster)))
      .buildClustered()
      .map(vertx -> {
        LOG.info("joined the cluster as {} (event bus {}:{}, Hazelcast port {}+)", cluster.role().configName(),
          cluster.host(), cluster.port(), cluster.hazelcastPort());
        return new TcpGate(eventLoops, vertx, stats, registry, processMeters, transport);
      })
      .onFailure(err -> processMeters.close());
  }

  /** The socket transport in use: {@code epoll} or {@code nio}. */
  public String transport() {
    return transport.name();
  }

  /** Vert.x's default number of event loops (twice the cores). */
  public static int defaultEventLoops() {
    return VertxOptions.DEFAULT_EVENT_LOOP_POOL_SIZE;
  }

  /**
   * Starts the admin server and the gateway. Fails with {@link BindException} when a listener or the admin server
   * cannot bind; nothing stays bound then.
   */
  public Future<TcpGate> start(GatewayConfig config) {
    LogSetup.apply(config.logFormat());
    return startAdmin(config)
      .compose(v -> Gateway.start(vertx, config, stats, eventLoops))
      .compose(started -> {
        gateway = started;
        bindMeters(started);
        if (started.bridge() != null) {
          GatewayMeters.bind(registry, started.bridge().stats());
        }
        readiness.ready();
        return Future.succeededFuture(this);
      }, err -> stopAdmin().transform(ar -> Future.failedFuture(err)));
  }

  private void bindMeters(Gateway running) {
    for (RunningListener listener : running.listeners()) {
      GatewayMeters.bind(registry, stats.listener(listener.config().name()));
    }
  }

  /**
   * Makes the running gateway reloadable from {@code source} ({@code SIGHUP}, {@link #reload}, and the file checks
   * of {@code reload.checkMs}); call once after {@link #start}.
   *
   * @param initial the configuration {@link #start} was given, as read (generation 1)
   */
  public ConfigReloader reloadFrom(ConfigSource source, JsonObject initial) {
    ConfigReloader created = new ConfigReloader(vertx, source, gateway, initial, registry, this::bindMeters);
    reloader = created;
    created.start();
    return created;
  }

  /** The reloader, or {@code null} before {@link #reloadFrom}. */
  public ConfigReloader reloader() {
    return reloader;
  }

  /** Reloads the configuration now; see {@link ConfigReloader#reload}. Needs {@link #reloadFrom} first. */
  public Future<ReloadResult> reload(String trigger) {
    ConfigReloader current = reloader;
    if (current == null) {
      return Future.failedFuture(new IllegalStateException("no configuration source to reload from"));
    }
    return current.reload(trigger);
  }

  private Future<Void> startAdmin(GatewayConfig config) {
    if (!config.admin().enabled()) {
      return Future.succeededFuture();
    }
    admin = new AdminServer(config.admin(), registry, readiness, () -> GatewayInfo.describe(gateway, readiness,
      reloader));
    return vertx.deployVerticle(admin)
      .recover(err -> Future.failedFuture(new BindException("admin", "admin server cannot bind "
        + config.admin().host() + ":" + config.admin().port() + ": " + BindException.osReason(err), err)))
      .map(id -> {
        adminDeployment = id;
        LOG.info("admin server on {}:{} (metrics, health, info)", config.admin().host(), admin.actualPort());
        return null;
      });
  }

  private Future<Void> stopAdmin() {
    return adminDeployment == null ? Future.succeededFuture() : vertx.undeploy(adminDeployment);
  }

  /**
   * Readiness goes 503, listeners keep accepting for the grace delay, then every listening socket closes at once and
   * the gateway drains.
   */
  public Future<Void> shutdown() {
    ConfigReloader current = reloader;
    Future<Void> reloadsDone = current == null ? Future.succeededFuture() : current.close();
    return reloadsDone.transform(ar -> drain());
  }

  private Future<Void> drain() {
    readiness.draining();
    Gateway running = gateway;
    if (running == null) {
      return stopAdmin();
    }
    long grace = running.config().graceDelayMs();
    LOG.info("readiness is now 503; accepting for {} ms more before draining", grace);
    Promise<Void> graceOver = Promise.promise();
    if (grace > 0) {
      vertx.setTimer(grace, t -> graceOver.complete());
    } else {
      graceOver.complete();
    }
    List<Integer> ports = running.listeners().stream().map(RunningListener::port).toList();
    return graceOver.future()
      .compose(v -> transport.closeListeningSockets(ports))
      .compose(v -> running.stop())
      .transform(ar -> stopAdmin());
  }

  /** Closes Vert.x and everything still on it, and unhooks the JVM meters' listeners. */
  public Future<Void> close() {
    return vertx.close().andThen(ar -> processMeters.close());
  }

  public Vertx vertx() {
    return vertx;
  }

  public GatewayStats stats() {
    return stats;
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public Readiness readiness() {
    return readiness;
  }

  /** The running gateway, or {@code null} before it started. */
  public Gateway gateway() {
    return gateway;
  }

  /** The admin server's port, or -1 when it is disabled. */
  public int adminPort() {
    return admin == null ? -1 : admin.actualPort();
  }
}
