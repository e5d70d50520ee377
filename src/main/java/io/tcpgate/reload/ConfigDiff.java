package io.tcpgate.reload;

import io.tcpgate.config.ConfigException;
import io.tcpgate.config.GatewayConfig;
import io.tcpgate.config.ListenerConfig;
import io.tcpgate.config.WorkerConfig;
import io.tcpgate.reload.ListenerChange.Kind;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a reload changes: listener by listener (matched by name), the workers, and the gateway-wide settings; or why
 * it cannot be applied without a restart. Computed from two validated configurations, before anything is touched.
 *
 * @param listeners      the listeners that change, in the new configuration's order, then the removed ones
 * @param workersRemoved the worker deployments no longer configured (a changed one is removed and added)
 * @param workersAdded   the worker deployments newly configured
 * @param gateway        the gateway-wide keys that change in place ({@code shutdown}, {@code logging},
 *                       {@code admission.maxConnections}, {@code reload})
 */
public record ConfigDiff(List<ListenerChange> listeners, List<WorkerConfig> workersRemoved,
                         List<WorkerConfig> workersAdded, List<String> gateway) {

  /**
   * Compares {@code running} with {@code next}.
   *
   * @throws ConfigException naming every key that cannot change without a restart
   */
  public static ConfigDiff between(GatewayConfig running, GatewayConfig next) {
    List<String> refused = new ArrayList<>();
    if (!running.cluster().equals(next.cluster())) {
      refused.add("cluster: clustering cannot change without a restart");
    }
    if (!running.admin().equals(next.admin())) {
      refused.add("admin: the admin server cannot change without a restart");
    }
    if (!running.bridge().sameAs(next.bridge())) {
      refused.add("bridge: the event-bus bridge cannot change without a restart");
    }
    if (running.transport() != next.transport()) {
      refused.add("transport: the socket transport cannot change without a restart");
    }
    Map<String, ListenerConfig> before = new LinkedHashMap<>();
    running.boundListeners().forEach(l -> before.put(l.name(), l));
    List<ListenerChange> changes = new ArrayList<>();
    List<ListenerConfig> nextListeners = next.boundListeners();
    for (int i = 0; i < nextListeners.size(); i++) {
      ListenerConfig after = nextListeners.get(i);
      ListenerConfig old = before.remove(after.name());
      if (old == null) {
        changes.add(new ListenerChange(after.name(), Kind.ADDED, null, after, List.of()));
        continue;
      }
      List<String> keys = differences(old, after);
      if (keys.isEmpty()) {
        continue;
      }
      String path = "listeners[" + i + "]";
      boolean sameSocket = old.host().equals(after.host()) && old.port() == after.port();
      if (sameSocket && old.family() != after.family()) {
        refused.add(path + ".family: a new family on the same host and port needs a new socket, which cannot be"
          + " bound while the old one listens; move the listener to another port, or restart");
      } else if (sameSocket && (old.tls() == null) != (after.tls() == null)) {
        refused.add(path + ".tls: turning TLS on or off on the same host and port needs a new socket, which cannot"
          + " be bound while the old one listens; move the listener to another port, or restart");
      }
      changes.add(new ListenerChange(after.name(), kind(old, after, sameSocket), old, after, keys));
    }
    for (ListenerConfig removed : before.values()) {
      changes.add(new ListenerChange(removed.name(), Kind.REMOVED, removed, null, List.of()));
    }
    if (!refused.isEmpty()) {
      String first = refused.get(0);
      int colon = first.indexOf(": ");
      String rest = refused.size() == 1 ? "" : "; and " + String.join("; ", refused.subList(1, refused.size()));
      throw new ConfigException(first.substring(0, colon), first.substring(colon + 2) + rest);
    }
    List<WorkerConfig> removedWorkers = new ArrayList<>(running.deployedWorkers());
    List<WorkerConfig> addedWorkers = new ArrayList<>();
    for (WorkerConfig worker : next.deployedWorkers()) {
      if (!removedWorkers.remove(worker)) {
        addedWorkers.add(worker);
      }
    }
    List<String> gateway = new ArrayList<>();
    if (running.drainTimeoutMs() != next.drainTimeoutMs()) {
      gateway.add("shutdown.drainTimeoutMs");
    }
    if (running.graceDelayMs() != next.graceDelayMs()) {
      gateway.add("shutdown.graceDelayMs");
    }
    if (running.logFormat() != next.logFormat()) {
      gateway.add("logging.format");
    }
    if (running.maxConnections() != next.maxConnections()) {
      gateway.add("admission.maxConnections");
    }
    if (!running.reload().equals(next.reload())) {
      gateway.add("reload.checkMs");
    }
    return new ConfigDiff(List.copyOf(changes), List.copyOf(removedWorkers), List.copyOf(addedWorkers),
      List.copyOf(gateway));
  }

  /** Whether the reload changes nothing. */
  public boolean isEmpty() {
    return listeners.isEmpty() && workersRemoved.isEmpty() && workersAdded.isEmpty() && gateway.isEmpty();
  }

  /** The changes, one line each, for the reload's log. */
  public List<String> describe() {
    List<String> lines = new ArrayList<>();
    listeners.forEach(change -> lines.add(change.describe()));
    workersRemoved.forEach(worker -> lines.add("worker '" + worker.verticle() + "' x" + worker.instances()
      + ": undeployed once the listeners that drain are done"));
    workersAdded.forEach(worker -> lines.add("worker '" + worker.verticle() + "' x" + worker.instances()
      + ": deployed"));
    gateway.forEach(key -> lines.add(key + ": changed"));
    return lines;
  }

  private static Kind kind(ListenerConfig old, ListenerConfig after, boolean sameSocket) {
    if (!sameSocket) {
      return Kind.NEW_SOCKET;
    }
    boolean handshakeDeadline = old.tls() != null && old.tls().handshakeTimeoutMs() != after.tls().handshakeTimeoutMs();
    if (old.instances() != after.instances() || old.proxyProtocol().enabled() != after.proxyProtocol().enabled()
      || handshakeDeadline) {
      return Kind.SAME_SOCKET;
    }
    return Kind.IN_PLACE;
  }

  /** The listener keys whose values differ, by the configuration's record components. */
  static List<String> differences(ListenerConfig a, ListenerConfig b) {
    List<String> keys = new ArrayList<>();
    for (RecordComponent component : ListenerConfig.class.getRecordComponents()) {
      try {
        Object x = component.getAccessor().invoke(a);
        Object y = component.getAccessor().invoke(b);
        if (!Objects.equals(x, y)) {
          keys.add(component.getName().equals("age") ? "maxConnectionAge" : component.getName());
        }
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot compare " + component.getName(), e);
      }
    }
    return keys;
  }
}
