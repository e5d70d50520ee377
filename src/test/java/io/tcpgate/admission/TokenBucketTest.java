package io.tcpgate.admission;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The connect-rate bucket, driven by a clock the test sets. */
class TokenBucketTest {

  private static final long SECOND = 1_000_000_000L;

  @Test
  void aFullBucket_letsTheBurstThrough_thenRefillsAtTheRate() {
    long now = 5 * SECOND;
    TokenBucket bucket = new TokenBucket(new RateLimit(20, 40), now);
    for (int i = 0; i < 40; i++) {
      assertThat(bucket.tryTake(now)).as("burst token %d", i).isTrue();
    }
    assertThat(bucket.tryTake(now)).isFalse();
    now += SECOND / 20 - 1;
    assertThat(bucket.tryTake(now)).as("just under one token's time").isFalse();
    now += 1;
    assertThat(bucket.tryTake(now)).isTrue();
    assertThat(bucket.tryTake(now)).isFalse();
    now += SECOND;
    int taken = 0;
    while (bucket.tryTake(now)) {
      taken++;
    }
    assertThat(taken).as("one second refills perSecond tokens").isEqualTo(20);
  }

  @Test
  void refillStopsAtTheBurst() {
    long now = 0;
    TokenBucket bucket = new TokenBucket(new RateLimit(1000, 3), now);
    bucket.tryTake(now);
    assertThat(bucket.isFull(now)).isFalse();
    now += 3600 * SECOND;
    assertThat(bucket.isFull(now)).isTrue();
    int taken = 0;
    while (bucket.tryTake(now)) {
      taken++;
    }
    assertThat(taken).isEqualTo(3);
  }

  @Test
  void fractionalRates() {
    long now = 0;
    TokenBucket bucket = new TokenBucket(new RateLimit(0.5, 1), now);
    assertThat(bucket.tryTake(now)).isTrue();
    assertThat(bucket.tryTake(now + SECOND)).isFalse();
    assertThat(bucket.tryTake(now + 2 * SECOND)).isTrue();
  }

  @Test
  void aClockThatStepsBack_neitherAddsNorRemovesTokens() {
    long now = 10 * SECOND;
    TokenBucket bucket = new TokenBucket(new RateLimit(1, 1), now);
    assertThat(bucket.tryTake(now)).isTrue();
    assertThat(bucket.tryTake(now - 5 * SECOND)).isFalse();
    assertThat(bucket.tryTake(now + SECOND)).isTrue();
  }
}
