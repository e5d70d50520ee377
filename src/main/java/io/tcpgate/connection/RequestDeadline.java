package io.tcpgate.connection;

import java.util.concurrent.TimeUnit;

/** Request deadline arithmetic that cannot overflow, whatever the configured request timeout. */
final class RequestDeadline {

  /** Longer request timeouts are taken as this (100 years) on the {@link System#nanoTime()} scale. */
  static final long MAX_NANOS = TimeUnit.DAYS.toNanos(36_500);

  private RequestDeadline() {
  }

  /**
   * The {@code tcpgate-deadline} header's value for a request sent now: epoch milliseconds, saturated at
   * {@link Long#MAX_VALUE} when the timeout reaches past it.
   */
  static long epochMillis(long timeoutMs) {
    long now = System.currentTimeMillis();
    return timeoutMs > Long.MAX_VALUE - now ? Long.MAX_VALUE : now + timeoutMs;
  }
}
