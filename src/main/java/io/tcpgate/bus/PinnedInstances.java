package io.tcpgate.bus;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The worker instances of one Vert.x that registered with {@link PinnedConsumer}, by shared address: where
 * {@code pinned} dispatch finds an instance for a new connection. Kept in the Vert.x instance's local shared data,
 * so each Vert.x has its own.
 */
public final class PinnedInstances implements Shareable {

  private static final String MAP = "__tcpgate.pinned";
  private static final String KEY = "instances";

  private final Map<String, List<Instance>> byAddress = new ConcurrentHashMap<>();

  private PinnedInstances() {
  }

  /** The registry of {@code vertx}. */
  public static PinnedInstances of(Vertx vertx) {
    LocalMap<String, PinnedInstances> map = vertx.sharedData().getLocalMap(MAP);
    PinnedInstances fresh = new PinnedInstances();
    PinnedInstances existing = map.putIfAbsent(KEY, fresh);
    return existing == null ? fresh : existing;
  }

  void add(String address, Instance instance) {
    byAddress.computeIfAbsent(address, a -> new CopyOnWriteArrayList<>()).add(instance);
  }

  /** Whether any live instance serves {@code address}. */
  public boolean serves(String address) {
    List<Instance> list = byAddress.get(address);
    if (list != null) {
      for (Instance instance : list) {
        if (instance.live()) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * The instance for a new connection on the calling thread: of the live instances of {@code address} on this very
   * event loop, the one serving the fewest connections; with none here, the live instance serving the fewest. The choice counts as one connection until
   * {@link Instance#release() released}.
   *
   * @return the instance, or {@code null} when no live instance serves {@code address}
   */
  public Instance choose(String address) {
    List<Instance> list = byAddress.get(address);
    if (list == null) {
      return null;
    }
    Thread thread = Thread.currentThread();
    Instance best = null;
    boolean bestLocal = false;
    for (Instance instance : list) {
      if (!instance.live()) {
        list.remove(instance);
        continue;
      }
      boolean local = instance.eventLoop == thread;
      if (best == null || (local && !bestLocal)
        || (local == bestLocal && instance.connections.get() < best.connections.get())) {
        best = instance;
        bestLocal = local;
      }
    }
    if (best != null) {
      best.connections.incrementAndGet();
    }
    return best;
  }

  /** One worker instance's own address and whether it is still there. */
  public static final class Instance {

    private final String address;
    private final Thread eventLoop;
    private final MessageConsumer<?> consumer;
    private final AtomicInteger connections = new AtomicInteger();

    Instance(String address, Thread eventLoop, MessageConsumer<?> consumer) {
      this.address = address;
      this.eventLoop = eventLoop;
      this.consumer = consumer;
    }

    /** The instance's own event-bus address. */
    public String address() {
      return address;
    }

    /** Whether the instance still consumes its address (it is undeployed otherwise). */
    public boolean live() {
      return consumer.isRegistered();
    }

    /** A connection pinned to this instance no longer is. */
    public void release() {
      connections.decrementAndGet();
    }
  }
}
