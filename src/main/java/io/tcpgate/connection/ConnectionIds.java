package io.tcpgate.connection;

import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

/** Connection ids unique across JVMs: a random 48-bit node part and a per-process counter. */
final class ConnectionIds {

  private static final String NODE = nodePart();
  private static final AtomicLong COUNTER = new AtomicLong();

  private ConnectionIds() {
  }

  static String next() {
    return NODE + "-" + Long.toString(COUNTER.incrementAndGet(), 36);
  }

  /** This process's node part, the prefix of every connection id it hands out. */
  static String node() {
    return NODE;
  }

  private static String nodePart() {
    long random = new SecureRandom().nextLong() & 0xFFFF_FFFF_FFFFL;
    return String.format("%012x", random);
  }
}
