package io.tcpgate.bus;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;

import java.util.concurrent.atomic.AtomicLong;

/**
 * How a worker verticle opts in to {@code pinned} dispatch: call {@link #register} from its {@code start()} instead
 * of {@code eventBus().consumer(address, handler)}.
 *
 * <pre>{@code
 * public Future<?> start() {
 *   return PinnedConsumer.register(vertx, config().getString("address"), this::handle);
 * }
 * }</pre>
 *
 * <p>The handler then consumes the shared address as usual (for {@code ordered} and {@code parallel} listeners,
 * and for senders that are not tcpgate) and, in addition, an address of this instance's own, local to this JVM. A
 * {@code pinned} listener sends all frames of one connection to one instance's own address, so that instance
 * handles them one after another, in order, while the connection keeps them pipelined; it prefers the instance on
 * the connection's event loop, so that a frame and its reply need not cross threads. Both consumers end with the
 * verticle. The handler must finish a frame (or at least whatever must happen before the next frame) before it
 * returns: frames of a pinned connection are not held back while an earlier one waits for asynchronous work.
 */
public final class PinnedConsumer {

  private static final AtomicLong INSTANCES = new AtomicLong();

  private PinnedConsumer() {
  }

  /**
   * Registers {@code handler} on {@code address} and on this instance's own address.
   *
   * @return the consumer of the shared address, once both are registered
   */
  public static <T> Future<MessageConsumer<T>> register(Vertx vertx, String address, Handler<Message<T>> handler) {
    EventBus bus = vertx.eventBus();
    MessageConsumer<T> shared = bus.consumer(address, handler);
    String own = "__tcpgate.pinned." + address + "." + INSTANCES.incrementAndGet();
    MessageConsumer<T> mine = bus.localConsumer(own, handler);
    Context context = Vertx.currentContext();
    Thread eventLoop = context != null && context.isEventLoopContext() ? Thread.currentThread() : null;
    return Future.all(shared.completion(), mine.completion()).map(v -> {
      PinnedInstances.of(vertx).add(address, new PinnedInstances.Instance(own, eventLoop, mine));
      return shared;
    });
  }
}
