package io.tcpgate.admission;

/**
 * A token bucket: holds up to {@code burst} tokens, refilled at {@code perSecond}, one token per connection. Not
 * thread-safe: its owner serialises access. Time comes from the caller, so tests drive it with their own clock.
 */
final class TokenBucket {

  private final double perNano;
  private final double burst;
  private double tokens;
  private long lastNanos;

  TokenBucket(RateLimit limit, long nowNanos) {
    this.perNano = limit.perSecond() / 1e9;
    this.burst = limit.burst();
    this.tokens = burst;
    this.lastNanos = nowNanos;
  }

  /** Takes one token if there is one at {@code nowNanos}. */
  boolean tryTake(long nowNanos) {
    refill(nowNanos);
    if (tokens < 1) {
      return false;
    }
    tokens -= 1;
    return true;
  }

  /** Whether the bucket has refilled completely by {@code nowNanos}, so forgetting it changes nothing. */
  boolean isFull(long nowNanos) {
    refill(nowNanos);
    return tokens >= burst;
  }

  private void refill(long nowNanos) {
    long elapsed = nowNanos - lastNanos;
    if (elapsed > 0) {
      tokens = Math.min(burst, tokens + elapsed * perNano);
      lastNanos = nowNanos;
    }
  }
}
