package io.tcpgate.admin;

import io.tcpgate.Gateway;
import io.tcpgate.reload.ConfigReloader;
import io.tcpgate.admission.AdmissionPolicy;
import io.tcpgate.config.WorkerConfig;
import io.tcpgate.listener.RunningListener;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.lang.management.ManagementFactory;

/** The {@code /info} document: version, listeners with their bound addresses and open connections, workers, uptime. */
public final class GatewayInfo {

  private GatewayInfo() {
  }

  /** The version in the jar's manifest, or {@code "dev"} when running from classes. */
  public static String version() {
    String version = GatewayInfo.class.getPackage().getImplementationVersion();
    return version == null ? "dev" : version;
  }

  /** @param reloader the gateway's reloader, or {@code null} when it cannot reload (embedded without a source) */
  public static JsonObject describe(Gateway gateway, Readiness readiness, ConfigReloader reloader) {
    JsonObject info = new JsonObject()
      .put("name", "tcpgate")
      .put("version", version())
      .put("state", readiness.state().name())
      .put("uptimeSeconds", ManagementFactory.getRuntimeMXBean().getUptime() / 1000)
      .put("node", io.tcpgate.connection.Connections.node());
    if (gateway != null) {
      info.put("role", gateway.config().cluster().role().configName())
        .put("clustered", gateway.config().cluster().enabled())
        .put("drainingGenerations", gateway.draining());
    }
    if (reloader != null) {
      info.put("config", reloader.describe());
    }
    JsonArray listeners = new JsonArray();
    JsonArray workers = new JsonArray();
    if (gateway != null) {
      for (RunningListener listener : gateway.listeners()) {
        var stats = gateway.stats().listener(listener.config().name());
        listeners.add(new JsonObject()
          .put("name", listener.config().name())
          .put("bound", listener.address())
          .put("family", listener.config().family().configName())
          .put("port", listener.port())
          .put("kernel", new JsonArray(listener.kernel().stream().map(Object::toString).toList()))
          .put("instances", listener.instances())
          .put("framing", listener.config().framing().kind().configName())
          .put("address", listener.config().address())
          .put("dispatch", listener.config().dispatch().configName())
          .put("tls", listener.config().tls() != null)
          .put("proxyProtocol", listener.config().proxyProtocol().enabled())
          .put("admission", admission(listener))
          .put("openConnections", stats.openConnections())
          .put("refusedConnections", stats.refusals()));
      }
      for (WorkerConfig worker : gateway.config().deployedWorkers()) {
        workers.add(new JsonObject()
          .put("verticle", worker.verticle())
          .put("instances", worker.instances())
          .put("threading", worker.threading().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-')));
      }
    }
    if (gateway != null && gateway.bridge() != null) {
      info.put("bridge", new JsonObject()
        .put("bound", gateway.bridge().address())
        .put("clients", gateway.bridge().stats().openConnections())
        .put("registrations", gateway.bridge().stats().registrations()));
    }
    return info.put("listeners", listeners).put("workers", workers);
  }

  private static JsonObject admission(RunningListener listener) {
    AdmissionPolicy policy = listener.config().admission();
    JsonObject json = new JsonObject()
      .put("onRefuse", policy.onRefuse().configName())
      .put("rules", policy.rules().texts().size())
      .put("trackedClients", listener.admission().trackedClients());
    if (policy.maxConnections() != AdmissionPolicy.UNLIMITED) {
      json.put("maxConnections", policy.maxConnections());
    }
    if (policy.maxConnectionsPerIp() != AdmissionPolicy.UNLIMITED) {
      json.put("maxConnectionsPerIp", policy.maxConnectionsPerIp());
    }
    return json;
  }
}
