package io.tcpgate.connection;

import io.tcpgate.bus.PinnedInstances;
import io.tcpgate.dispatch.LocalRequestSender;
import io.tcpgate.dispatch.PushRouter;
import io.tcpgate.dispatch.RequestSender;
import io.tcpgate.dispatch.StandardRequestSender;
import io.tcpgate.internal.VertxInternals;
import io.tcpgate.metrics.ListenerStats;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The connections of one gateway node: the registry the listeners fill, so pushes from anywhere can find them, the
 * push router, how their frames go onto the event bus as requests, and where {@code pinned} dispatch finds worker
 * instances.
 */
public final class Connections {

  private static final Logger LOG = LoggerFactory.getLogger(Connections.class);

  private final Vertx vertx;
  private final ConnectionRegistry registry = new ConnectionRegistry();
  private final RequestSender requests;
  private final PinnedInstances pinned;
  private final AtomicInteger instances = new AtomicInteger();

  private Connections(Vertx vertx, RequestSender requests) {
    this.vertx = vertx;
    this.requests = requests;
    this.pinned = PinnedInstances.of(vertx);
  }

  /**
   * Connections of a node on {@code vertx}. On a local event bus requests take the fast path
   * ({@link LocalRequestSender}); on a clustered one, or with a tracer, Vert.x's {@code request()}.
   */
  public static Connections on(Vertx vertx) {
    boolean standard = vertx.isClustered() || VertxInternals.traced(vertx);
    RequestSender requests = standard ? null : LocalRequestSender.on(vertx.eventBus(), ConnectionIds.node());
    if (requests == null) {
      if (!standard) {
        LOG.warn("event bus {} is not Vert.x's local implementation; requests use request()",
          vertx.eventBus().getClass().getName());
      }
      requests = new StandardRequestSender(vertx.eventBus());
    }
    return new Connections(vertx, requests);
  }

  /** What the connections of one new listener instance share; call from that instance's start(). */
  public ListenerContext forListener(ListenerSettings settings, ListenerStats stats) {
    return new ListenerContext(vertx, settings, stats, this);
  }

  ConnectionRegistry registry() {
    return registry;
  }

  RequestSender requests() {
    return requests;
  }

  /** The worker instances registered for {@code pinned} dispatch on this node's Vert.x. */
  public PinnedInstances pinned() {
    return pinned;
  }

  /**
   * Requests whose replies the fast path still waits for; each belongs to an open connection, so this is 0 once
   * every connection has closed. Always 0 on a clustered event bus, where Vert.x keeps that book.
   */
  public int repliesAwaited() {
    return requests.waiting();
  }

  /**
   * Listener instances serving now, every generation counted: started and not yet stopped. Once a reload's old
   * generations have drained, the sum of the listeners' instances.
   */
  public int instances() {
    return instances.get();
  }

  void instanceStarted() {
    instances.incrementAndGet();
  }

  void instanceStopped() {
    instances.decrementAndGet();
  }

  /** Open connections on this node. */
  public int open() {
    return registry.size();
  }

  /** Starts routing pushes to this node's connections; the future carries the deployment id. */
  public Future<String> startPushRouter() {
    return vertx.deployVerticle(PushRouter.forNode(registry, ConnectionIds.node()));
  }

  /** Starts routing broadcasts to {@code listener}'s connections; the future carries the deployment id. */
  public Future<String> startBroadcasts(String listener) {
    return vertx.deployVerticle(PushRouter.forListener(registry, listener));
  }

  /** Releases the request path's hold on the event bus; call once the listeners are undeployed. */
  public void close() {
    requests.close();
  }

  /** This process's node id, the prefix of its connection ids. */
  public static String node() {
    return ConnectionIds.node();
  }
}
