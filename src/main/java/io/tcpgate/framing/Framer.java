package io.tcpgate.framing;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.parsetools.RecordParser;

import java.util.Objects;

/**
 * Cuts one connection's byte stream into frames and hands them to a {@link FrameSink}.
 *
 * <p>Obtain one per connection from {@link FramingSpec#newFramer(FrameSink)}. Feed bytes as they arrive with
 * {@link #handle(Buffer)}; complete frames are delivered synchronously, in order, to
 * {@link FrameSink#onFrame(Buffer)} before {@code handle} returns. The cutting is done by a Vert.x
 * {@link RecordParser} (delimited or fixed-size mode) driven in its non-stream mode.
 *
 * <p><b>Threading.</b> A framer is confined to one thread (the connection's event loop); it does no
 * synchronization. Calls from the sink back into the framer ({@link #pause()}, {@link #resume()}, {@link #end()},
 * even {@link #handle(Buffer)}) are allowed; bookkeeping is settled when the outermost call returns.
 *
 * <p><b>Backpressure.</b> {@link #pause()} stops delivery right after the current frame (it may be called from
 * inside {@code onFrame}); bytes fed while paused, and complete frames not yet delivered, stay buffered in the
 * parser. {@link #resume()} delivers what is buffered, then continues. While paused no size cap is enforced
 * (buffered bytes may include complete frames), so the owner should also stop reading the socket.
 *
 * <p><b>Size cap.</b> This base class enforces {@link FramingSpec#maxFrameBytes()} for every kind, so no framer can
 * forget it; frames over the cap are rejected with {@link FramingException.Kind#FRAME_TOO_LARGE} without ever
 * buffering them whole. A length announced ahead of its frame (a length header) is checked as soon as it is known,
 * before the payload is waited for. After every {@code handle}/{@code resume} (when not paused) the buffered
 * incomplete tail is checked, less the bytes of it that may still turn out to be framing rather than payload (for
 * delimited kinds {@code delimiterLength - 1}, plus 1 for the optional CR of lines; a length header). Every frame is
 * checked once more as it is delivered. A bad length header gives {@link FramingException.Kind#BAD_FRAME}. On an
 * error, frames completed before the offending one are delivered first, then
 * {@link FrameSink#onFramingError(FramingException)} is called once; afterwards nothing is emitted and further input
 * is ignored.
 *
 * <p><b>End of stream.</b> {@link #end()} says the peer will send nothing more (it half-closed or closed). Input
 * after it is ignored. It takes effect once every complete frame already buffered has been delivered: at once when
 * not paused, else at the {@link #resume()} after which the sink has not paused again. Then the incomplete tail, if
 * any, is handled per kind: for {@link FramingKind#LINES} a last line without its LF is a frame (a trailing CR
 * stripped, the cap applied, like Go's {@code bufio.ScanLines}, Python's {@code readline} and {@code RecordParser}'s
 * own end-of-stream behaviour); for the other kinds it is a truncated frame, reported as
 * {@link FramingException.Kind#BAD_FRAME} with the numbers, e.g. {@code "stream ended inside a frame (3 of 8
 * bytes)"}, {@code "stream ended inside a length header (2 of 4 bytes)"} or {@code "stream ended before the
 * delimiter (5 bytes buffered)"}. Finally, unless a framing error was reported (before or at the end),
 * {@link FrameSink#onEndOfStream()} is called, once, while not paused.
 *
 * <p><b>Partial frames.</b> {@link #hasPartialFrame()} and {@link #partialFrameSinceNanos()} support a "frame
 * deadline" against slow senders: a frame begins in the {@code handle} call in which its first byte arrived, and
 * its time is the {@link System#nanoTime()} read once at the start of that call.
 *
 * <p><b>Allocation.</b> Per frame: only the buffer the {@code RecordParser} copies out of its internal buffer.
 * Stripping a CR from a line, emitting an empty length-prefixed frame and dropping a length header work on that very
 * buffer in place (through {@link io.tcpgate.internal.Buffers}, which uses Vert.x's {@code BufferImpl}; a copy would
 * be made only for another {@code Buffer} implementation). For length-prefixed framing the framer reads the next
 * header from the chunk being handled, so the parser cuts header and payload as one record and the header is then
 * moved out of it; only a header that straddles two {@code handle} calls, is reached while
 * {@link #resume() resuming}, or is invalid is cut as a record of its own (a small extra buffer; when not paused,
 * about once per {@code handle} call at most). Per {@code handle} call: nothing of the framer's own beyond what the
 * parser does (it copies the chunk into its buffer, or appends it to the unparsed tail, growing that to a power of
 * two, and afterwards copies the new unparsed tail: up to about twice the chunk's size). Per framer: the parser and
 * two small arrays of chunk times, which grow only when many chunks arrive while paused.
 */
public abstract sealed class Framer permits DelimitedFramer, FixedFramer, LengthPrefixedFramer {

  private static final int INITIAL_MARKS = 4;

  private final RecordParser parser;
  private final FrameSink sink;
  private final int maxFrameBytes;

  /** Stream offset after the last byte fed. */
  private long fed;
  /** Stream offset after the last byte of the last record the parser emitted. */
  private long consumed;
  private boolean paused;
  private boolean failed;
  /** end() was called: input is ignored, and the end takes effect once nothing complete is left to deliver. */
  private boolean endRequested;
  /** The end took effect and the sink was told; nothing more happens. */
  private boolean ended;
  /** Nesting depth of handle/resume/end calls currently running the parser or the sink. */
  private int depth;
  /** Stream offset where the current incomplete frame began, or -1. */
  private long partialStart = -1;
  private long partialSince;
  /** End offsets and nanoTimes of chunks fed since the last settle(), oldest first. */
  private long[] markEnds = new long[INITIAL_MARKS];
  private long[] markTimes = new long[INITIAL_MARKS];
  private int markCount;
  /** The chunk the outermost handle call is parsing, or null; it is read, never kept beyond that call. */
  private Buffer chunk;
  /** Stream offset of the first byte of chunk. */
  private long chunkStart;

  Framer(RecordParser parser, FrameSink sink, int maxFrameBytes) {
    this.parser = parser;
    this.sink = Objects.requireNonNull(sink, "sink");
    this.maxFrameBytes = maxFrameBytes;
    parser.handler(this::record);
  }

  /**
   * Feeds bytes as they arrive. Complete frames are delivered to the sink before this returns (unless paused).
   * Empty chunks, and any input after a framing error or after {@link #end()}, are ignored. The chunk is copied; the
   * caller keeps it.
   *
   * @param chunk the next bytes of the stream
   */
  public final void handle(Buffer chunk) {
    Objects.requireNonNull(chunk, "chunk");
    int length = chunk.length();
    if (failed || endRequested || length == 0) {
      return;
    }
    fed += length;
    addMark(fed, System.nanoTime());
    boolean outermost = depth == 0;
    if (outermost) {
      this.chunk = chunk;
      chunkStart = fed - length;
      beforeParse();
    }
    depth++;
    try {
      parser.handle(chunk);
    } finally {
      depth--;
      if (outermost) {
        this.chunk = null;
      }
    }
    settle();
  }

  /**
   * Stops delivering frames; bytes keep being buffered. May be called from inside {@link FrameSink#onFrame},
   * in which case no further frame is delivered by the running {@code handle}/{@code resume}. Idempotent.
   */
  public final void pause() {
    paused = true;
    parser.pause();
  }

  /**
   * Delivers the frames buffered while paused, then continues normally; after {@link #end()}, lets the end take
   * effect once they are delivered. May be called from inside {@link FrameSink#onFrame}. No effect when not paused,
   * after a framing error or once the end took effect.
   */
  public final void resume() {
    if (failed || ended || !paused) {
      return;
    }
    paused = false;
    depth++;
    try {
      parser.resume();
    } finally {
      depth--;
    }
    settle();
  }

  /**
   * Tells the framer that the stream ended: the peer sends nothing more. Further {@link #handle(Buffer)} input is
   * ignored. The end takes effect once every complete frame already buffered has been delivered: at once when not
   * paused, else after a later {@link #resume()} (if the sink pauses again while those frames are delivered, the end
   * waits for the next {@code resume()}). Then the incomplete tail, if any, is handled per kind (see the class
   * documentation: a last frame for lines, a {@link FramingException.Kind#BAD_FRAME} error for the other kinds), and
   * finally, unless a framing error was reported, {@link FrameSink#onEndOfStream()} is called once. No effect when
   * called again or after a framing error. May be called from inside the sink.
   */
  public final void end() {
    if (endRequested || failed) {
      return;
    }
    endRequested = true;
    settle();
  }

  /**
   * Tells whether bytes of an incomplete frame are buffered while not paused (for length-prefixed framing this
   * includes a parsed header whose payload has not started). Always false while paused, after a failure and once
   * the end took effect.
   *
   * @return true when an incomplete frame is pending
   */
  public final boolean hasPartialFrame() {
    return !paused && !failed && !ended && partialStart >= 0;
  }

  /**
   * Returns when the current incomplete frame began: the {@link System#nanoTime()} of the {@link #handle(Buffer)}
   * call in which its first byte arrived.
   *
   * @return that time, or 0 when {@link #hasPartialFrame()} is false
   */
  public final long partialFrameSinceNanos() {
    return hasPartialFrame() ? partialSince : 0L;
  }

  /** Handles one record cut by the parser; implementations call {@link #consumed(long)} first. */
  abstract void onRecord(Buffer record);

  /**
   * Returns how many of the bytes the parser buffers for the current incomplete frame may be framing rather than
   * payload (a partial delimiter, a CR, a length header). The base class fails the framer when the rest exceeds the
   * cap.
   */
  abstract long tailOverhead();

  /**
   * Handles the incomplete frame left when the stream ended, while not paused: either emits it as a last frame
   * and returns null, or returns the error for a truncated frame.
   *
   * @param buffered bytes the parser holds (0 when only consumed bytes, a parsed length header, are pending)
   */
  abstract FramingException endOfStream(long buffered);

  /** Called by the outermost {@code handle} call before it feeds the chunk to the parser; may change its mode. */
  void beforeParse() {
  }

  /** Bytes of the current incomplete frame already consumed from the parser (a parsed length header). */
  int incompleteFrameConsumedBytes() {
    return 0;
  }

  final RecordParser parser() {
    return parser;
  }

  final void consumed(long bytes) {
    consumed += bytes;
  }

  /** Stream offset after the last byte of the last record the parser emitted. */
  final long consumedOffset() {
    return consumed;
  }

  /** Returns the chunk the outermost {@code handle} call is parsing, or null outside such a call. */
  final Buffer chunk() {
    return chunk;
  }

  /**
   * Returns the index in {@link #chunk()} of the byte at stream offset {@code offset}, or -1 unless all of the
   * {@code bytes} bytes from there are in that chunk.
   */
  final int chunkIndex(long offset, int bytes) {
    if (chunk == null || offset < chunkStart || offset + bytes > chunkStart + chunk.length()) {
      return -1;
    }
    return (int) (offset - chunkStart);
  }

  /** Tells whether a frame of {@code length} bytes is within the cap; reports nothing. */
  final boolean withinCap(long length) {
    return length <= maxFrameBytes;
  }

  /**
   * Reports that the next frame will be {@code length} bytes long, before any of it is buffered. Over the cap, fails
   * the framer with {@link FramingException.Kind#FRAME_TOO_LARGE}.
   *
   * @return false when the framer failed
   */
  final boolean announce(long length) {
    if (length > maxFrameBytes) {
      fail(FramingException.frameTooLarge(length, maxFrameBytes));
      return false;
    }
    return true;
  }

  /** Delivers a frame, or fails the framer when it exceeds the cap. */
  final void emit(Buffer frame) {
    if (frame.length() > maxFrameBytes) {
      fail(FramingException.frameTooLarge(frame.length(), maxFrameBytes));
      return;
    }
    sink.onFrame(frame);
  }

  /** Feeds bytes of the framer's own making (a terminator at end of stream) to the parser. */
  final void feedSynthetic(Buffer bytes) {
    fed += bytes.length();
    parser.handle(bytes);
  }

  final void fail(FramingException error) {
    failed = true;
    parser.pause();
    partialStart = -1;
    partialSince = 0L;
    markCount = 0;
    sink.onFramingError(error);
  }

  private void record(Buffer record) {
    if (!failed) {
      onRecord(record);
    }
  }

  /**
   * Once the outermost call is done parsing and delivery is not paused: enforces the tail cap, updates the
   * partial-frame state and lets a requested end take effect.
   */
  private void settle() {
    if (depth > 0 || failed || paused || ended) {
      return;
    }
    long tail = fed - consumed;
    long payload = tail - tailOverhead();
    if (payload > maxFrameBytes) {
      fail(FramingException.unterminatedFrameTooLarge(payload, maxFrameBytes));
      return;
    }
    int headerConsumed = incompleteFrameConsumedBytes();
    if (tail == 0 && headerConsumed == 0) {
      partialStart = -1;
      partialSince = 0L;
    } else {
      long start = consumed - headerConsumed;
      if (start != partialStart) {
        partialStart = start;
        partialSince = timeOfOffset(start);
      }
    }
    markCount = 0;
    if (endRequested) {
      takeEffect(tail, headerConsumed);
    }
  }

  /** The end of stream, once every buffered complete frame has been delivered and delivery is not paused. */
  private void takeEffect(long tail, int headerConsumed) {
    if (tail > 0 || headerConsumed > 0) {
      FramingException truncated;
      depth++;
      try {
        truncated = endOfStream(tail);
      } finally {
        depth--;
      }
      if (truncated != null) {
        fail(truncated);
      }
      if (failed || paused) {
        // Failed: onEndOfStream is never called. Paused inside the last frame: the next resume() ends.
        return;
      }
    }
    ended = true;
    partialStart = -1;
    partialSince = 0L;
    sink.onEndOfStream();
  }

  private void addMark(long end, long nanos) {
    if (markCount == markEnds.length) {
      long[] ends = new long[markCount * 2];
      long[] times = new long[markCount * 2];
      System.arraycopy(markEnds, 0, ends, 0, markCount);
      System.arraycopy(markTimes, 0, times, 0, markCount);
      markEnds = ends;
      markTimes = times;
    }
    markEnds[markCount] = end;
    markTimes[markCount] = nanos;
    markCount++;
  }

  /** Returns the time of the chunk holding the byte at offset; it is always among the marks (see settle()). */
  private long timeOfOffset(long offset) {
    for (int i = 0; i < markCount; i++) {
      if (markEnds[i] > offset) {
        return markTimes[i];
      }
    }
    return markCount > 0 ? markTimes[markCount - 1] : System.nanoTime();
  }
}
