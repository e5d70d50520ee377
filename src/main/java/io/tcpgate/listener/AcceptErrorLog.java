package io.tcpgate.listener;

import io.tcpgate.metrics.GatewayStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicLong;

/** Counts accept errors per listener and logs them at most once per interval, with how many were suppressed. */
public final class AcceptErrorLog implements AcceptErrorListener {

  /** At most one log line per this many milliseconds. */
  public static final long LOG_INTERVAL_MS = 10_000;

  private static final Logger LOG = LoggerFactory.getLogger(AcceptErrorLog.class);

  private final GatewayStats stats;
  private final AtomicLong nextLogAt = new AtomicLong();
  private final AtomicLong suppressed = new AtomicLong();

  public AcceptErrorLog(GatewayStats stats) {
    this.stats = stats;
  }

  @Override
  public void acceptFailed(int localPort, Throwable cause) {
    stats.byPort(localPort).acceptError();
    long now = System.currentTimeMillis();
    long next = nextLogAt.get();
    if (now >= next && nextLogAt.compareAndSet(next, now + LOG_INTERVAL_MS)) {
      long skipped = suppressed.getAndSet(0);
      LOG.warn("accept failed on port {} for listener '{}': {} (accepting continues; {} more accept errors since the"
          + " last report; total {})", localPort, stats.byPort(localPort).listener(), cause.toString(), skipped,
        stats.acceptErrors());
    } else {
      suppressed.incrementAndGet();
    }
  }
}
