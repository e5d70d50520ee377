package io.tcpgate.config;

import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * A listener's maximum connection age ({@code maxConnectionAgeSeconds}, {@code maxConnectionAgeJitter},
 * {@code maxConnectionAgeGraceMs}, {@code sendGoaway}; each inherited from {@code defaults}): connections are asked
 * to leave after their age, so that long-lived clients move to new instances after a scale-out.
 *
 * @param seconds the age; 0 turns it off
 * @param jitter  each connection's age is drawn uniformly within ± this fraction of {@code seconds}
 * @param graceMs after the age, how long the replies to frames already taken may take before the connection is
 *                closed anyway
 * @param goaway  whether {@code goaway} is written (through the error template) before the close
 */
public record ConnectionAgeConfig(long seconds, double jitter, long graceMs, boolean goaway) {

  /** Jitter unless configured: ± 10 %. */
  public static final double DEFAULT_JITTER = 0.1;
  /** Grace period unless configured: 10 s. */
  public static final long DEFAULT_GRACE_MS = 10_000;
  /** No age limit. */
  public static final ConnectionAgeConfig OFF = new ConnectionAgeConfig(0, DEFAULT_JITTER, DEFAULT_GRACE_MS, true);

  static final Set<String> KEYS = Set.of("maxConnectionAgeSeconds", "maxConnectionAgeJitter",
    "maxConnectionAgeGraceMs", "sendGoaway");

  /** Whether connections have an age limit. */
  public boolean enabled() {
    return seconds > 0;
  }

  /** One connection's age in milliseconds: {@code seconds} × (1 ± {@code jitter}), uniformly. */
  public long drawMillis(RandomGenerator random) {
    double factor = 1 + jitter * (2 * random.nextDouble() - 1);
    return Math.max(1, Math.round(seconds * 1000 * factor));
  }

  static ConnectionAgeConfig fromJson(JsonFields f, JsonFields d) {
    long seconds = f.longValue("maxConnectionAgeSeconds", d.longValue("maxConnectionAgeSeconds", 0, 0,
      315_360_000), 0, 315_360_000);
    double jitter = f.doubleValue("maxConnectionAgeJitter", d.doubleValue("maxConnectionAgeJitter", DEFAULT_JITTER,
      0, 1), 0, 1);
    long grace = f.longValue("maxConnectionAgeGraceMs", d.longValue("maxConnectionAgeGraceMs", DEFAULT_GRACE_MS, 1,
      86_400_000), 1, 86_400_000);
    boolean goaway = f.bool("sendGoaway", d.bool("sendGoaway", true));
    return new ConnectionAgeConfig(seconds, jitter, grace, goaway);
  }
}
