package io.tcpgate.config;

import java.util.Set;

/**
 * The admin HTTP server: Prometheus metrics, health, readiness and info.
 *
 * @param enabled whether it runs at all
 * @param host    IP literal to bind
 * @param port    TCP port; 0 takes an ephemeral port
 * @param eventBusMetrics whether Vert.x's own per-address event-bus meters are kept (off unless configured): they
 *                        cost a meter lookup per message, about a quarter of the gateway's CPU per request in the
 *                        benchmarks, and tcpgate's own per-listener meters count the same frames
 */
public record AdminConfig(boolean enabled, String host, int port, boolean eventBusMetrics) {

  /** Admin port unless configured. */
  public static final int DEFAULT_PORT = 9090;
  /** Admin bind address unless configured. */
  public static final String DEFAULT_HOST = "0.0.0.0";
  /** Whether Vert.x's per-address event-bus meters are kept unless configured. */
  public static final boolean DEFAULT_EVENT_BUS_METRICS = false;
  /** Prometheus scrape path. */
  public static final String METRICS_PATH = "/metrics";
  /** Liveness: 200 while the event loops serve requests. */
  public static final String LIVE_PATH = "/health/live";
  /** Readiness: 200 only while every listener is bound and every worker deployed, and not draining. */
  public static final String READY_PATH = "/health/ready";
  /** JSON description of the running gateway. */
  public static final String INFO_PATH = "/info";

  static final Set<String> KEYS = Set.of("enabled", "host", "port", "eventBusMetrics");

  static AdminConfig fromJson(Object value, String path) {
    JsonFields f = JsonFields.of(value, path, KEYS);
    String host = f.string("host", DEFAULT_HOST);
    ListenerConfig.parseLiteral(f.child("host"), host);
    return new AdminConfig(f.bool("enabled", true), host, f.intValue("port", DEFAULT_PORT, 0, 65535),
      f.bool("eventBusMetrics", DEFAULT_EVENT_BUS_METRICS));
  }
}
