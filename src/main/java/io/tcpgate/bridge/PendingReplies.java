package io.tcpgate.bridge;

import io.tcpgate.metrics.BridgeStats;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The requests a bridge client received and has not answered yet, by reply address, each with the deadline after
 * which nobody waits for its reply any more. Bounded: the bridge refuses requests beyond the configured maximum.
 * Confined to the bridge connection's event loop.
 */
final class PendingReplies {

  private final BridgeStats stats;
  private final Map<String, Pending> byAddress = new LinkedHashMap<>();

  private record Pending(Message<?> message, long deadlineMillis) {
  }

  PendingReplies(BridgeStats stats) {
    this.stats = stats;
  }

  int size() {
    return byAddress.size();
  }

  boolean contains(String replyAddress) {
    return byAddress.containsKey(replyAddress);
  }

  void add(Message<?> message, long deadlineMillis) {
    if (byAddress.put(message.replyAddress(), new Pending(message, deadlineMillis)) == null) {
      stats.pendingReplies(1);
    }
  }

  /** Removes and returns the request waiting for a reply on {@code replyAddress}, or {@code null}. */
  Message<?> take(String replyAddress) {
    Pending pending = byAddress.remove(replyAddress);
    if (pending == null) {
      return null;
    }
    stats.pendingReplies(-1);
    return pending.message();
  }

  /** Forgets the requests whose deadline passed: their senders no longer wait. */
  void expire(long nowMillis) {
    Iterator<Pending> it = byAddress.values().iterator();
    while (it.hasNext()) {
      if (it.next().deadlineMillis() <= nowMillis) {
        it.remove();
        stats.pendingReplies(-1);
      }
    }
  }

  /** Answers every request at once as having no handler: the client that held them is gone. */
  void failAll(String why) {
    for (Pending pending : byAddress.values()) {
      pending.message().reply(new ReplyException(ReplyFailure.NO_HANDLERS, why));
    }
    stats.pendingReplies(-byAddress.size());
    byAddress.clear();
  }
}
