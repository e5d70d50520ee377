package io.tcpgate.metrics;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Waits for a count to reach zero. A server's shutdown completes when its channels have closed, but each connection's
 * close handler, which takes it off the books, runs just after on the connection's own event loop: a stop that
 * reports its books waits for them, up to a bound.
 */
public final class Drained {

  private static final long POLL_MS = 5;

  private Drained() {
  }

  /** Completes when {@code count} is 0, or after {@code maxMs}; never fails. */
  public static Future<Void> whenZero(Vertx vertx, LongSupplier count, long maxMs) {
    if (count.getAsLong() == 0) {
      return Future.succeededFuture();
    }
    Promise<Void> zero = Promise.promise();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxMs);
    vertx.setPeriodic(POLL_MS, id -> {
      if (count.getAsLong() == 0 || System.nanoTime() - deadline > 0) {
        vertx.cancelTimer(id);
        zero.tryComplete();
      }
    });
    return zero.future();
  }
}
