package io.tcpgate.connection;

import io.vertx.core.Vertx;

import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * A timer that fires, runs its tick (told how late it fired) and arms itself again, reading its period each time,
 * until stopped. Stopping
 * matters: Vert.x cancels a deployment's timers when it is undeployed, but not a timer set again after that. Confined
 * to the event loop that started it.
 */
final class RearmingTimer {

  private final Vertx vertx;
  private final LongSupplier periodMs;
  private final LongConsumer tick;
  private long timer = -1;
  private boolean stopped;

  /** @param tick run at each firing with how many nanoseconds after its due time the timer fired */
  RearmingTimer(Vertx vertx, LongSupplier periodMs, LongConsumer tick) {
    this.vertx = vertx;
    this.periodMs = periodMs;
    this.tick = tick;
  }

  /** Arms the timer for one period from now. */
  void start() {
    if (stopped) {
      return;
    }
    long period = periodMs.getAsLong();
    long dueNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(period);
    timer = vertx.setTimer(period, t -> {
      timer = -1;
      tick.accept(System.nanoTime() - dueNanos);
      start();
    });
  }

  /** Cancels the armed timer; it is not armed again. */
  void stop() {
    stopped = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }
}
