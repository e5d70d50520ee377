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

  private final RearmingTimer timer;
  private long lagMs;

  LagProbe(Vertx vertx) {
    this.timer = new RearmingTimer(vertx, () -> PERIOD_MS,
      lateNanos -> lagMs = Math.max(0, TimeUnit.NANOSECONDS.toMillis(lateNanos)));
  }

  /** Starts measuring; call on the event loop it measures. */
  void start() {
    timer.start();
  }

  /** Stops measuring (the instance stopped); call on the instance's event loop. */
  void stop() {
    timer.stop();
  }

  /** The lateness measured last, in milliseconds. */
  long lagMs() {
    return lagMs;
  }
}
