package io.tcpgate.admission;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Per client address: connections open and the address's connect-rate bucket. Bounded: when {@code capacity}
 * addresses are tracked, entries with nothing to remember (no connection open, bucket full again) are dropped, and
 * if none can be, the new address is refused rather than the table grown. An entry goes as soon as its last
 * connection closes with its bucket full; one whose bucket is still refilling stays until the next sweep, so a
 * client cannot reset its rate by closing everything. Not thread-safe: {@link Admission} holds its lock.
 */
final class ClientTable {

  private static final long SWEEP_INTERVAL_NANOS = 1_000_000_000L;

  static final class Entry {
    int open;
    TokenBucket bucket;

    Entry(TokenBucket bucket) {
      this.bucket = bucket;
    }
  }

  private int capacity;
  private RateLimit ratePerClient;
  private final Map<InetAddress, Entry> entries = new HashMap<>();
  private long lastSweepNanos;

  ClientTable(int capacity, RateLimit ratePerClient, long nowNanos) {
    this.capacity = capacity;
    this.ratePerClient = ratePerClient;
    this.lastSweepNanos = nowNanos;
  }

  /** The entry of {@code client}, created if there is room; {@code null} when the table is full. */
  /**
   * New limits (a reload): the table keeps its entries and their counts; with a changed rate each entry starts
   * over with a full bucket, and entries beyond a smaller capacity go as they become forgettable.
   */
  void reconfigure(int capacity, RateLimit ratePerClient, long nowNanos) {
    this.capacity = capacity;
    if (!java.util.Objects.equals(ratePerClient, this.ratePerClient)) {
      this.ratePerClient = ratePerClient;
      for (Entry entry : entries.values()) {
        entry.bucket = ratePerClient == null ? null : new TokenBucket(ratePerClient, nowNanos);
      }
    }
    sweep(nowNanos);
  }

  Entry entry(InetAddress client, long nowNanos) {
    if (nowNanos - lastSweepNanos >= SWEEP_INTERVAL_NANOS) {
      sweep(nowNanos);
    }
    Entry entry = entries.get(client);
    if (entry != null) {
      return entry;
    }
    if (entries.size() >= capacity) {
      sweep(nowNanos);
      if (entries.size() >= capacity) {
        return null;
      }
    }
    entry = new Entry(ratePerClient == null ? null : new TokenBucket(ratePerClient, nowNanos));
    entries.put(client, entry);
    return entry;
  }

  /** One of {@code client}'s connections closed. */
  void closed(InetAddress client, long nowNanos) {
    Entry entry = entries.get(client);
    if (entry == null) {
      return;
    }
    entry.open--;
    if (forgettable(entry, nowNanos)) {
      entries.remove(client);
    }
  }

  /** A new entry that turned out not to be needed (its connection was refused by a later check). */
  void dropIfIdle(InetAddress client, long nowNanos) {
    Entry entry = entries.get(client);
    if (entry != null && forgettable(entry, nowNanos)) {
      entries.remove(client);
    }
  }

  int open(InetAddress client) {
    Entry entry = entries.get(client);
    return entry == null ? 0 : entry.open;
  }

  int size() {
    return entries.size();
  }

  private void sweep(long nowNanos) {
    lastSweepNanos = nowNanos;
    for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
      if (forgettable(it.next(), nowNanos)) {
        it.remove();
      }
    }
  }

  private static boolean forgettable(Entry entry, long nowNanos) {
    return entry.open <= 0 && (entry.bucket == null || entry.bucket.isFull(nowNanos));
  }
}
