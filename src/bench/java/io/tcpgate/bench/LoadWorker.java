package io.tcpgate.bench;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * One selector thread of the load generator and the connections it owns. Non-blocking NIO; no thread per
 * connection. Everything here is confined to the worker's thread except {@link Control}.
 *
 * <p>Closed loop (no rate): every connection keeps {@code pipeline} requests in flight; each reply, once validated,
 * sends the next request, whose latency is measured from that moment. Writes are batched per read.
 *
 * <p>Fixed rate: requests are due at {@code start + i / rate} (this worker's share of the rate), handed to the
 * worker's connections round robin. A request is sent when it is due unless its connection already has
 * {@code pipeline} requests in flight; then it waits, and its latency is still measured from the time it was due
 * (no coordinated omission).
 */
final class LoadWorker implements Runnable {

  static final int WARMUP = 0;
  static final int MEASURE = 1;
  static final int DRAIN = 2;
  static final int STOP = 3;

  /** State shared between the main thread and the workers. */
  static final class Control {
    volatile int phase = WARMUP;
    /** Replies received while measuring, summed over workers (updated once per read). */
    final AtomicLong measured = new AtomicLong();
    /** When the schedule of the fixed-rate mode starts. */
    volatile long startNanos;
  }

  private static final long HIGHEST_NANOS = 3_600_000_000_000L;
  private static final long SPIN_BELOW_NANOS = 1_500_000;

  final Control control;
  final Payload payload;
  final int pipeline;
  final Histogram histogram = new Histogram(1, HIGHEST_NANOS, 3);
  private final Selector selector;
  private final LoadConnection[] connections;
  private final boolean rateMode;
  private final double intervalNanos;
  private long nextIndex;
  private LoadConnection[] dirty;
  private int dirtyCount;

  /** Connections not closed yet. */
  private int open;
  /** Requests sent and not answered, over all connections (lost ones are subtracted on disconnect). */
  long inFlight;
  long sent;
  long received;
  long measured;
  long mismatches;
  long errorReplies;
  long disconnects;
  long unexpected;
  long protocolErrors;
  /** Requests that were in flight on connections the server closed. */
  long lost;
  String firstBadReply;
  Throwable failure;

  /**
   * @param ratePerSecond this worker's share of the fixed rate, or 0 for the closed loop
   * @param initialReadBuffer initial receive buffer per connection (it grows for large frames)
   */
  LoadWorker(List<SocketChannel> channels, Control control, Payload payload, int pipeline, double ratePerSecond,
             int initialReadBuffer, int initialWriteBuffer) throws IOException {
    this.control = control;
    this.payload = payload;
    this.pipeline = pipeline;
    this.rateMode = ratePerSecond > 0;
    this.intervalNanos = rateMode ? 1e9 / ratePerSecond : 0;
    this.selector = Selector.open();
    this.connections = new LoadConnection[channels.size()];
    this.dirty = new LoadConnection[Math.max(1, channels.size())];
    for (int i = 0; i < connections.length; i++) {
      LoadConnection c = new LoadConnection(this, channels.get(i), initialReadBuffer, initialWriteBuffer);
      c.key = channels.get(i).register(selector, SelectionKey.OP_READ, c);
      connections[i] = c;
      open++;
    }
  }

  boolean rateMode() {
    return rateMode;
  }

  /** The load-mode loop; returns when the phase is {@link #STOP}, or {@link #DRAIN} with nothing in flight. */
  @Override
  public void run() {
    try {
      long now = System.nanoTime();
      if (!rateMode) {
        for (LoadConnection c : connections) {
          for (int i = 0; i < pipeline; i++) {
            c.sendNew(now);
          }
          c.flush();
        }
      }
      while (true) {
        int phase = control.phase;
        if (phase == STOP || (phase == DRAIN && inFlight <= 0) || open == 0) {
          break;
        }
        long timeoutMs = 50;
        boolean spin = false;
        if (rateMode && phase < DRAIN) {
          long nextDue = schedule(System.nanoTime());
          flushDirty();
          long wait = nextDue - System.nanoTime();
          if (wait < SPIN_BELOW_NANOS) {
            spin = true;
          } else {
            timeoutMs = Math.min(50, wait / 1_000_000 - 1);
          }
        }
        int ready = spin ? selector.selectNow(this::onKey) : selector.select(this::onKey, Math.max(1, timeoutMs));
        if (spin && ready == 0) {
          LockSupport.parkNanos(20_000);
        }
      }
    } catch (Throwable t) {
      failure = t;
    }
  }

  /**
   * Scale mode: sends one more request on every connection and waits for all replies, or until the deadline.
   *
   * @return true when every reply arrived
   */
  boolean roundTrip(long timeoutNanos) throws IOException {
    long deadline = System.nanoTime() + timeoutNanos;
    long now = System.nanoTime();
    for (LoadConnection c : connections) {
      c.quota = c.sendSeq + 1;
      c.sendNew(now);
      c.flush();
    }
    while (inFlight > 0 && System.nanoTime() < deadline) {
      selector.select(this::onKey, 100);
    }
    return inFlight <= 0;
  }

  /** Closes every connection and the selector. */
  void close() {
    for (LoadConnection c : connections) {
      c.closeQuietly();
    }
    try {
      selector.close();
    } catch (IOException e) {
      // nothing to do
    }
  }

  /** Requests that were due in fixed-rate mode but never sent because their connection was at its cap. */
  long backlog() {
    long backlog = 0;
    for (LoadConnection c : connections) {
      backlog += c.pending();
    }
    return backlog;
  }

  private void onKey(SelectionKey key) {
    LoadConnection c = (LoadConnection) key.attachment();
    if (!key.isValid()) {
      return;
    }
    if (key.isReadable()) {
      c.onReadable(System.nanoTime(), control.phase);
    }
    if (key.isValid() && key.isWritable()) {
      c.flush();
    }
  }

  /** Hands out every request due by {@code now}; returns when the next one is due. */
  private long schedule(long now) {
    long start = control.startNanos;
    int n = connections.length;
    while (true) {
      long due = start + (long) (nextIndex * intervalNanos);
      if (due > now) {
        return due;
      }
      LoadConnection c = connections[(int) (nextIndex % n)];
      nextIndex++;
      if (!c.closed) {
        c.schedule(due);
      }
    }
  }

  void markDirty(LoadConnection c) {
    if (!c.dirty) {
      c.dirty = true;
      dirty[dirtyCount++] = c;
    }
  }

  private void flushDirty() {
    for (int i = 0; i < dirtyCount; i++) {
      LoadConnection c = dirty[i];
      c.dirty = false;
      dirty[i] = null;
      c.flush();
    }
    dirtyCount = 0;
  }

  void recordBadReply(byte[] a, int off, int len) {
    if (Payload.isErrorReply(a, off, len)) {
      errorReplies++;
    } else {
      mismatches++;
    }
    if (firstBadReply == null) {
      firstBadReply = new String(a, off, Math.min(len, 120), StandardCharsets.ISO_8859_1)
          + (len > 120 ? "... (" + len + " bytes)" : "");
    }
  }

  void recordLatency(long nanos) {
    histogram.recordValue(Math.max(1, Math.min(HIGHEST_NANOS, nanos)));
  }

  /** One connection: its buffers, sequence numbers and the start times of its unanswered requests. */
  static final class LoadConnection {

    private static final int MAX_READ_BUFFER = Payload.MAX_REPLY + 8;

    private final LoadWorker worker;
    private final SocketChannel channel;
    private final Payload payload;
    SelectionKey key;
    private ByteBuffer in;
    private ByteBuffer out;
    /** Start of the unparsed bytes in {@code in}, which stays in write mode: data is [readPos, position). */
    private int readPos;
    /** Requests encoded so far; also the sequence number of the next one. */
    long sendSeq;
    /** Replies received so far; also the sequence number the next reply must carry. */
    long recvSeq;
    /** No request is sent once sendSeq reaches this. */
    long quota = Long.MAX_VALUE;
    /** Start (or due) times of every request handed to this connection and not answered yet, oldest first. */
    private final LongRing starts = new LongRing(8);
    private boolean writeInterest;
    boolean dirty;
    boolean closed;

    LoadConnection(LoadWorker worker, SocketChannel channel, int readBuffer, int writeBuffer) {
      this.worker = worker;
      this.channel = channel;
      this.payload = worker.payload;
      this.in = ByteBuffer.allocate(Math.max(readBuffer, payload.frameLength() + 64));
      this.out = ByteBuffer.allocate(Math.max(writeBuffer, payload.frameLength()));
    }

    long inFlight() {
      return sendSeq - recvSeq;
    }

    /** Requests handed to this connection (fixed-rate mode) that wait for room under the pipeline cap. */
    long pending() {
      return starts.size() - inFlight();
    }

    /** Closed loop: queues a new request now, unless the quota is reached. */
    void sendNew(long now) {
      if (closed || sendSeq >= quota) {
        return;
      }
      starts.add(now);
      encodeNext();
    }

    /** Fixed rate: a request became due at {@code due}; it is sent at once unless the cap is reached. */
    void schedule(long due) {
      starts.add(due);
      if (inFlight() < worker.pipeline) {
        encodeNext();
        worker.markDirty(this);
      }
    }

    private void encodeNext() {
      int length = payload.frameLength();
      if (out.remaining() < length) {
        ByteBuffer bigger = ByteBuffer.allocate(Math.max(out.capacity() * 2, out.position() + length));
        out.flip();
        bigger.put(out);
        out = bigger;
      }
      payload.encode(out, sendSeq++);
      worker.inFlight++;
      worker.sent++;
    }

    void onReadable(long now, int phase) {
      for (int reads = 0; reads < 8 && !closed; reads++) {
        if (!makeRoom()) {
          return;
        }
        int space = in.remaining();
        int n;
        try {
          n = channel.read(in);
        } catch (IOException e) {
          disconnected();
          return;
        }
        if (n < 0) {
          disconnected();
          return;
        }
        if (n == 0) {
          break;
        }
        parse(now, phase);
        if (n < space) {
          break;
        }
      }
      if (!closed) {
        flush();
      }
    }

    /** Compacts, or grows the buffer when one frame does not fit; false after a protocol error. */
    private boolean makeRoom() {
      if (in.remaining() >= Math.min(4096, in.capacity() / 4)) {
        return true;
      }
      if (readPos > 0) {
        int length = in.position() - readPos;
        System.arraycopy(in.array(), readPos, in.array(), 0, length);
        in.position(length);
        readPos = 0;
      }
      if (in.remaining() == 0) {
        if (in.capacity() >= MAX_READ_BUFFER) {
          worker.protocolErrors++;
          disconnected();
          return false;
        }
        ByteBuffer bigger = ByteBuffer.allocate(Math.min(MAX_READ_BUFFER, in.capacity() * 2));
        in.flip();
        bigger.put(in);
        in = bigger;
      }
      return true;
    }

    private void parse(long now, int phase) {
      byte[] a = in.array();
      int end = in.position();
      int p = readPos;
      long measuredBefore = worker.measured;
      boolean lines = payload.framing == Payload.Framing.LINES;
      while (!closed) {
        int off;
        int len;
        int next;
        if (lines) {
          int nl = -1;
          for (int i = p; i < end; i++) {
            if (a[i] == '\n') {
              nl = i;
              break;
            }
          }
          if (nl < 0) {
            break;
          }
          off = p;
          len = nl - p;
          if (len > 0 && a[nl - 1] == '\r') {
            len--;
          }
          next = nl + 1;
        } else {
          if (end - p < 4) {
            break;
          }
          long announced = ((a[p] & 0xffL) << 24) | ((a[p + 1] & 0xff) << 16) | ((a[p + 2] & 0xff) << 8)
              | (a[p + 3] & 0xff);
          if (announced > Payload.MAX_REPLY) {
            worker.protocolErrors++;
            disconnected();
            return;
          }
          if (end - p - 4 < announced) {
            break;
          }
          off = p + 4;
          len = (int) announced;
          next = off + len;
        }
        onReply(a, off, len, now, phase);
        p = next;
      }
      readPos = p;
      if (readPos == end) {
        in.clear();
        readPos = 0;
      }
      long delta = worker.measured - measuredBefore;
      if (delta > 0) {
        worker.control.measured.addAndGet(delta);
      }
    }

    private void onReply(byte[] a, int off, int len, long now, int phase) {
      if (recvSeq == sendSeq) {
        worker.unexpected++;
        worker.recordBadReply(a, off, len);
        return;
      }
      long start = starts.poll();
      long seq = recvSeq++;
      worker.inFlight--;
      worker.received++;
      if (!payload.matches(a, off, len, seq)) {
        worker.recordBadReply(a, off, len);
      }
      if (phase == MEASURE) {
        worker.recordLatency(now - start);
        worker.measured++;
      }
      if (worker.rateMode) {
        if (phase < DRAIN && pending() > 0 && inFlight() < worker.pipeline) {
          encodeNext();
        }
      } else if (phase < DRAIN) {
        sendNew(now);
      }
    }

    void flush() {
      if (closed || out.position() == 0) {
        return;
      }
      out.flip();
      try {
        channel.write(out);
      } catch (IOException e) {
        out.compact();
        disconnected();
        return;
      }
      out.compact();
      boolean want = out.position() > 0;
      if (want != writeInterest && key.isValid()) {
        key.interestOps(want ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ);
        writeInterest = want;
      }
    }

    /** The server closed or reset the connection: what was in flight is lost. */
    private void disconnected() {
      if (closed) {
        return;
      }
      if (worker.control.phase < STOP) {
        worker.disconnects++;
      }
      worker.inFlight -= inFlight();
      worker.lost += inFlight();
      closeQuietly();
    }

    void closeQuietly() {
      if (closed) {
        return;
      }
      closed = true;
      worker.open--;
      if (key != null) {
        key.cancel();
      }
      try {
        channel.close();
      } catch (IOException e) {
        // nothing to do
      }
    }
  }

  /** A growable FIFO of longs. */
  static final class LongRing {
    private long[] items;
    private int head;
    private int size;

    LongRing(int capacity) {
      items = new long[capacity];
    }

    int size() {
      return size;
    }

    void add(long value) {
      if (size == items.length) {
        long[] bigger = new long[items.length * 2];
        for (int i = 0; i < size; i++) {
          bigger[i] = items[(head + i) % items.length];
        }
        items = bigger;
        head = 0;
      }
      items[(head + size) % items.length] = value;
      size++;
    }

    long poll() {
      if (size == 0) {
        throw new IllegalStateException("empty");
      }
      long value = items[head];
      head = (head + 1) % items.length;
      size--;
      return value;
    }
  }
}
