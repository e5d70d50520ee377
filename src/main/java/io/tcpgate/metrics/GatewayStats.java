package io.tcpgate.metrics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The books of every listener of one gateway, looked up by listener name or by bound port. */
public final class GatewayStats {

  private final Map<String, ListenerStats> byName = new ConcurrentHashMap<>();
  private final Map<Integer, ListenerStats> byPort = new ConcurrentHashMap<>();
  private final ListenerStats unattributed = new ListenerStats("(unknown)");

  /** The stats of {@code listener}, created on first use. */
  public ListenerStats listener(String listener) {
    return byName.computeIfAbsent(listener, ListenerStats::new);
  }

  /** Records that {@code listener} is bound on {@code port}, so accept errors can be attributed. */
  public void bound(String listener, int port) {
    byPort.put(port, listener(listener));
  }

  /** The stats of the listener bound on {@code port}; a catch-all when none is known. */
  public ListenerStats byPort(int port) {
    return byPort.getOrDefault(port, unattributed);
  }

  public long openConnections() {
    return byName.values().stream().mapToLong(ListenerStats::openConnections).sum();
  }

  public long inFlight() {
    return byName.values().stream().mapToLong(ListenerStats::inFlight).sum();
  }

  public long pendingTimers() {
    return byName.values().stream().mapToLong(ListenerStats::pendingTimers).sum();
  }

  public long acceptErrors() {
    return byName.values().stream().mapToLong(ListenerStats::acceptErrors).sum() + unattributed.acceptErrors();
  }
}
