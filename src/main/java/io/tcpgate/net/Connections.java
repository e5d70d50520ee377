package io.tcpgate.net;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.List;

/**
 * The connections of one gateway node, reachable from the event bus: deploys the push router for the given
 * listeners and keeps the registry the listeners fill.
 */
public final class Connections {

  private final ConnectionRegistry registry = new ConnectionRegistry();

  ConnectionRegistry registry() {
    return registry;
  }

  /** Open connections on this node. */
  public int open() {
    return registry.size();
  }

  /** Starts routing pushes and broadcasts; the future carries the deployment id. */
  public Future<String> startPushRouter(Vertx vertx, List<String> listeners) {
    return vertx.deployVerticle(new PushRouter(registry, List.copyOf(listeners)));
  }

  /** This process's node id, the prefix of its connection ids. */
  public static String node() {
    return ConnectionIds.node();
  }
}
