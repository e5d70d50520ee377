package io.tcpgate.admission;

/**
 * A connection rate: {@code perSecond} on average, up to {@code burst} at once.
 *
 * @param perSecond tokens added per second, &gt; 0
 * @param burst     the bucket's size, &ge; 1
 */
public record RateLimit(double perSecond, long burst) {

  public RateLimit {
    if (!(perSecond > 0) || burst < 1) {
      throw new IllegalArgumentException("perSecond must be > 0 and burst >= 1");
    }
  }
}
