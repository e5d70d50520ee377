package io.tcpgate.connection;

import io.tcpgate.dispatch.PushTarget;
import io.tcpgate.dispatch.PushTargets;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/** The open connections of this gateway node, by id, so pushes from anywhere can find them. */
final class ConnectionRegistry implements PushTargets {

  private final Map<String, Connection> connections = new ConcurrentHashMap<>();

  void add(Connection connection) {
    connections.put(connection.id(), connection);
  }

  void remove(Connection connection) {
    connections.remove(connection.id(), connection);
  }

  @Override
  public PushTarget get(String id) {
    return id == null ? null : connections.get(id);
  }

  @Override
  public void forEachOf(String listener, Consumer<PushTarget> action) {
    for (Connection connection : connections.values()) {
      if (connection.listenerName().equals(listener)) {
        action.accept(connection);
      }
    }
  }

  int size() {
    return connections.size();
  }
}
