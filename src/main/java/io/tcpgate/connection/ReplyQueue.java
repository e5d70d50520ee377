package io.tcpgate.connection;

import io.tcpgate.metrics.ListenerStats;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;

import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * A connection's replies in frame order, and their writing: each frame takes a slot at the tail; only answered
 * slots at the head are written, and replies answered in the same event-loop turn leave in one write. Confined to the
 * connection's event loop.
 */
final class ReplyQueue {

  private final Context context;
  private final NetSocket socket;
  private final ListenerStats stats;
  private final Consumer<ReplySlot> afterWrite;
  private final ArrayDeque<ReplySlot> slots = new ArrayDeque<>(4);
  private boolean writeScheduled;
  private boolean stopped;
  private long framesWritten;
  private long bytesWritten;
  private Future<Void> lastWrite;
  private long lastWriteNanos;

  /**
   * @param afterWrite told after each round of writes, with the slot that asked to close the connection (its
   *                   reply written, nothing after it) or {@code null}
   */
  ReplyQueue(Context context, NetSocket socket, ListenerStats stats, Consumer<ReplySlot> afterWrite) {
    this.context = context;
    this.socket = socket;
    this.stats = stats;
    this.afterWrite = afterWrite;
  }

  void add(ReplySlot slot) {
    slots.addLast(slot);
  }

  int size() {
    return slots.size();
  }

  boolean isEmpty() {
    return slots.isEmpty();
  }

  /** The slots, oldest first. */
  Iterable<ReplySlot> slots() {
    return slots;
  }

  /** Removes and returns every slot, for a connection that closed. */
  ArrayDeque<ReplySlot> drainAll() {
    ArrayDeque<ReplySlot> all = new ArrayDeque<>(slots);
    slots.clear();
    return all;
  }

  /** No more replies are written (the connection is closing). */
  void stop() {
    stopped = true;
  }

  /**
   * A slot was answered: writes the answered head now, or, while more replies are on their way, at the end of this
   * event-loop turn, gathering what else gets answered meanwhile into the same write (one syscall).
   */
  void answered() {
    if (writeScheduled || stopped) {
      return;
    }
    if (slots.size() > 1) {
      writeScheduled = true;
      context.runOnContext(v -> {
        writeScheduled = false;
        writeAnswered();
      });
      return;
    }
    writeAnswered();
  }

  /** Writes the answered slots at the head in one write, stopping after one that asks to close. */
  void writeAnswered() {
    if (stopped) {
      return;
    }
    Buffer batch = null;
    boolean merged = false;
    long now = System.nanoTime();
    ReplySlot closing = null;
    while (!slots.isEmpty() && slots.peekFirst().done()) {
      ReplySlot slot = slots.pollFirst();
      Buffer bytes = slot.bytes();
      if (bytes != null) {
        stats.frameOut(bytes.length());
        framesWritten++;
        bytesWritten += bytes.length();
        stats.replyWritten(now - slot.frameCompleteNanos());
        if (batch == null) {
          batch = bytes;
        } else {
          if (!merged) {
            batch = Buffer.buffer(batch.length() * 4).appendBuffer(batch);
            merged = true;
          }
          batch.appendBuffer(bytes);
        }
      }
      if (slot.closeAfter()) {
        closing = slot;
        break;
      }
    }
    if (batch != null) {
      write(batch);
    }
    afterWrite.accept(closing);
  }

  /** Replies, error replies and pushes handed to the socket so far. */
  long framesWritten() {
    return framesWritten;
  }

  /** Their bytes. */
  long bytesWritten() {
    return bytesWritten;
  }

  /** Writes a push now, between replies, and counts it. */
  void push(Buffer bytes) {
    framesWritten++;
    bytesWritten += bytes.length();
    write(bytes);
  }

  private void write(Buffer bytes) {
    lastWriteNanos = System.nanoTime();
    lastWrite = socket.write(bytes);
  }

  /** The last write, or {@code null} before the first. */
  Future<Void> lastWrite() {
    return lastWrite;
  }

  /** When bytes were last written ({@link System#nanoTime()} scale), 0 before the first write. */
  long lastWriteNanos() {
    return lastWriteNanos;
  }
}
