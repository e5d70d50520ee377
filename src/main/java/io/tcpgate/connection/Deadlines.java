package io.tcpgate.connection;

import java.util.concurrent.TimeUnit;

import io.tcpgate.metrics.ListenerStats;
import io.vertx.core.Vertx;

/**
 * A connection's timers, at most one of each kind: the request deadline (armed for the oldest request still waiting
 * for its reply), the frame deadline (armed while a frame is incomplete), the close linger (a last write that must
 * not hold a closing connection forever) and the age limit (then its grace period), when the listener has one. Each pending timer is counted in the listener's books, so a leak shows.
 * Confined to the connection's event loop; what happens when one fires is the connection's policy.
 */
final class Deadlines {

  private final Vertx vertx;
  private final ListenerStats stats;
  private long requestTimer = -1;
  private long requestDueNanos;
  private long frameTimer = -1;
  private long lingerTimer = -1;
  private long ageTimer = -1;

  Deadlines(Vertx vertx, ListenerStats stats) {
    this.vertx = vertx;
    this.stats = stats;
  }

  boolean requestArmed() {
    return requestTimer != -1;
  }

  /** When the armed request timer fires ({@link System#nanoTime()} scale); meaningful while it is armed. */
  long requestDueNanos() {
    return requestDueNanos;
  }

  void armRequest(long delayMs, Runnable expired) {
    if (requestTimer == -1) {
      requestDueNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(1, delayMs));
      requestTimer = start(delayMs, () -> {
        requestTimer = -1;
        expired.run();
      });
    }
  }

  /** Cancels the request timer (a shorter timeout came in: it is armed again for the earliest deadline). */
  void cancelRequest() {
    requestTimer = cancel(requestTimer);
  }

  boolean frameArmed() {
    return frameTimer != -1;
  }

  void armFrame(long delayMs, Runnable expired) {
    if (frameTimer == -1) {
      frameTimer = start(delayMs, () -> {
        frameTimer = -1;
        expired.run();
      });
    }
  }

  void armLinger(long delayMs, Runnable expired) {
    if (lingerTimer == -1) {
      lingerTimer = start(delayMs, () -> {
        lingerTimer = -1;
        expired.run();
      });
    }
  }

  /** Arms the age timer, replacing one that is pending (the age limit gives way to its grace period). */
  void armAge(long delayMs, Runnable expired) {
    ageTimer = cancel(ageTimer);
    ageTimer = start(delayMs, () -> {
      ageTimer = -1;
      expired.run();
    });
  }

  /** Cancels every pending timer (the connection closed). */
  void cancelAll() {
    ageTimer = cancel(ageTimer);
    requestTimer = cancel(requestTimer);
    frameTimer = cancel(frameTimer);
    lingerTimer = cancel(lingerTimer);
  }

  private long start(long delayMs, Runnable action) {
    stats.timerStarted();
    return vertx.setTimer(Math.max(1, delayMs), t -> {
      stats.timerEnded();
      action.run();
    });
  }

  /** Cancels a live timer; counted here even when Vert.x already dropped it with an undeployed verticle. */
  private long cancel(long timer) {
    if (timer != -1) {
      vertx.cancelTimer(timer);
      stats.timerEnded();
    }
    return -1;
  }
}
