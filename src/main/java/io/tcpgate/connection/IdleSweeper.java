package io.tcpgate.connection;

import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Enforces the idle timeout of one listener instance's connections with a single periodic timer on its event loop,
 * instead of a timer per connection: an idle connection then costs a set entry, not a scheduled task. The sweep
 * period is a tenth of the timeout (between 100 ms and 1 s), so a connection is closed at most that late.
 * Confined to the instance's event loop, like its connections; the timer belongs to the verticle and ends with it.
 */
final class IdleSweeper {

  private final LongSupplier idleNanos;
  private final RearmingTimer timer;
  private final Set<Connection> connections = new LinkedHashSet<>();

  /** @param idleNanos the idle timeout in force, read at each sweep (a reload may change it) */
  IdleSweeper(Vertx vertx, LongSupplier idleNanos) {
    this.idleNanos = idleNanos;
    this.timer = new RearmingTimer(vertx,
      () -> Math.max(100, Math.min(1000, TimeUnit.NANOSECONDS.toMillis(idleNanos.getAsLong()) / 10)), late -> sweep());
  }

  /** Sweeps every tenth of the timeout (between 0.1 and 1 s), re-reading the timeout each time. */
  void start() {
    timer.start();
  }

  /** Stops sweeping (the instance stopped); call on the instance's event loop. */
  void stop() {
    timer.stop();
  }

  void add(Connection connection) {
    connections.add(connection);
  }

  void remove(Connection connection) {
    connections.remove(connection);
  }

  private void sweep() {
    long now = System.nanoTime();
    long idleNanos = this.idleNanos.getAsLong();
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
