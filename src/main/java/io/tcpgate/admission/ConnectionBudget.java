package io.tcpgate.admission;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A count of connections with a ceiling, shared by every listener of the process (top-level
 * {@code admission.maxConnections}); thread-safe.
 */
public final class ConnectionBudget {

  /** No ceiling. */
  public static final int UNLIMITED = 0;

  private volatile int max;
  private final AtomicInteger open = new AtomicInteger();

  /** @param max the ceiling, or {@link #UNLIMITED} */
  public ConnectionBudget(int max) {
    this.max = max;
  }

  /**
   * A new ceiling (a reload), for the next connection on; connections already open beyond it stay. The count covers
   * the connections admitted while some listener or the process had a limit (a listener that admits everyone
   * counts nothing).
   */
  public void limit(int max) {
    this.max = max;
  }

  /** Takes one connection if the ceiling allows it. */
  boolean tryAcquire() {
    int max = this.max;
    while (true) {
      int current = open.get();
      if (max != UNLIMITED && current >= max) {
        return false;
      }
      if (open.compareAndSet(current, current + 1)) {
        return true;
      }
    }
  }

  void release() {
    open.decrementAndGet();
  }

  /** Whether there is no ceiling. */
  public boolean unlimited() {
    return max == UNLIMITED;
  }

  /** Connections counted now. */
  public int open() {
    return open.get();
  }
}
