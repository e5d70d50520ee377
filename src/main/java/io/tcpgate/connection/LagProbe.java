package io.tcpgate.connection;

import io.vertx.core.Vertx;

import java.util.concurrent.TimeUnit;

/**
 * How late one event loop runs: a timer every {@value #PERIOD_MS} ms notes by how much it fired after it was due.
 * A loop too busy to run its timers on time is too busy to take more work ({@code overload.maxEventLoopLagMs}).
 * Measured, not guessed; confined to its event loop, read there.
 */
final class LagProbe {

  static final long PERIOD_MS = 50;

  private final Vertx vertx;
  private long dueNanos;
  private long lagMs;
  private long timer = -1;
  private boolean stopped;

  LagProbe(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Starts measuring; call on the event loop it measures. */
  void start() {
    schedule();
  }

  /** Stops measuring (the instance stopped); call on the instance's event loop. */
  void stop() {
    stopped = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  private void schedule() {
    if (stopped) {
      return;
    }
    dueNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PERIOD_MS);
    timer = vertx.setTimer(PERIOD_MS, t -> {
      timer = -1;
      lagMs = Math.max(0, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - dueNanos));
      schedule();
    });
  }

  /** The lateness measured last, in milliseconds. */
  long lagMs() {
    return lagMs;
  }
}
