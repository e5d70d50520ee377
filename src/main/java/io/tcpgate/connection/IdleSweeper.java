package io.tcpgate.connection;

import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Enforces the idle timeout of one listener instance's connections with a single periodic timer on its event loop,
 * instead of a timer per connection: an idle connection then costs a set entry, not a scheduled task. The sweep
 * period is a tenth of the timeout (between 100 ms and 1 s), so a connection is closed at most that late.
 * Confined to the instance's event loop, like its connections; the timer belongs to the verticle and ends with it.
 */
final class IdleSweeper {

  private final Vertx vertx;
  private volatile long idleNanos;
  private long timer = -1;
  private boolean stopped;
  private final Set<Connection> connections = new LinkedHashSet<>();

  IdleSweeper(Vertx vertx, long idleNanos) {
    this.vertx = vertx;
    this.idleNanos = idleNanos;
  }

  void start() {
    schedule();
  }

  /** A new idle timeout (a reload), from the next sweep on; any thread. */
  void idleNanos(long idleNanos) {
    this.idleNanos = idleNanos;
  }

  /** Stops sweeping (the instance stopped); call on the instance's event loop. */
  void stop() {
    stopped = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  /** Sweeps every tenth of the timeout (between 0.1 and 1 s), re-reading the timeout each time. */
  private void schedule() {
    if (stopped) {
      return;
    }
    long periodMs = Math.max(100, Math.min(1000, TimeUnit.NANOSECONDS.toMillis(idleNanos) / 10));
    timer = vertx.setTimer(periodMs, t -> {
      timer = -1;
      sweep();
      schedule();
    });
  }

  void add(Connection connection) {
    connections.add(connection);
  }

  void remove(Connection connection) {
    connections.remove(connection);
  }

  private void sweep() {
    long now = System.nanoTime();
    long idleNanos = this.idleNanos;
    List<Connection> idle = null;
    for (Connection connection : connections) {
      if (now - connection.lastActivityNanos() >= idleNanos) {
        if (idle == null) {
          idle = new ArrayList<>();
        }
        idle.add(connection);
      }
    }
    if (idle != null) {
      for (Connection connection : idle) {
        connection.closeAsIdle(now);
      }
    }
  }
}
