package io.tcpgate.net;

import io.tcpgate.bus.ErrorCode;
import io.tcpgate.bus.FrameCodec;
import io.tcpgate.bus.GatewayHeaders;
import io.tcpgate.config.ListenerConfig;
import io.tcpgate.framing.Framer;
import io.tcpgate.framing.FrameSink;
import io.tcpgate.framing.FramingException;
import io.tcpgate.metrics.ListenerStats;
import io.tcpgate.metrics.ListenerStats.CloseReason;
import io.tcpgate.metrics.ListenerStats.Outcome;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * One client connection: the single policy point that decides what happens on every frame, reply, error, deadline
 * and close. Its state is confined to the event loop that accepted the socket; only {@link #replyReceived} and
 * {@link #requestFailed} may be called from other threads, and they hand their result to that event loop.
 *
 * <p>Replies leave in the order the frames arrived: each frame takes a {@link ReplySlot} at the tail of the queue and
 * only filled slots at the head are written. Reading stops while {@code maxInFlight} slots are waiting or the socket's
 * write queue is full, and resumes when both drain, so memory per connection stays bounded whatever the client does.
 */
final class Connection implements FrameSink {

  /** How long a connection that must close may take to flush its last reply before it is closed anyway. */
  static final long CLOSE_LINGER_MS = 5_000;

  /** Longer request timeouts are taken as this (100 years), which keeps deadline arithmetic clear of overflow. */
  private static final long MAX_DEADLINE_NANOS = TimeUnit.DAYS.toNanos(36_500);

  private static final Logger LOG = LoggerFactory.getLogger(Connection.class);

  private final Vertx vertx;
  private final Context context;
  private final EventBus bus;
  private final NetSocket socket;
  private final ListenerContext listener;
  private final ListenerConfig config;
  private final ListenerStats stats;
  private final Framer framer;
  private final String id;
  private final String remote;
  private final String local;
  private final ArrayDeque<ReplySlot> slots = new ArrayDeque<>(4);
  private final RequestSender requests;
  private final long requestTimeoutNanos;

  private long nextSequence = 1;
  private long lastActivityNanos = System.nanoTime();
  private long readingResumedNanos = lastActivityNanos;
  private long frameTimer = -1;
  private long requestTimer = -1;
  private long lingerTimer = -1;
  private boolean readingPaused;
  private boolean draining;
  private boolean ending;
  private boolean closing;
  private boolean closed;
  private boolean resetSeen;
  private boolean flushScheduled;
  private CloseReason closeReason;
  private Future<Void> lastWrite;

  Connection(Vertx vertx, NetSocket socket, ListenerContext listener) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.bus = vertx.eventBus();
    this.socket = socket;
    this.listener = listener;
    this.config = listener.config;
    this.stats = listener.stats;
    this.framer = config.framing().newFramer(this);
    this.requests = listener.requests;
    this.requestTimeoutNanos = Math.min(TimeUnit.MILLISECONDS.toNanos(config.requestTimeoutMs()), MAX_DEADLINE_NANOS);
    this.id = ConnectionIds.next();
    this.remote = format(socket.remoteAddress());
    this.local = format(socket.localAddress());
  }

  void start() {
    stats.connectionOpened();
    listener.registry.add(this);
    LOG.debug("[c-{}] {} connected to '{}' on {}", id, remote, config.name(), local);
    publishEvent("connected", null);
    socket.handler(this::onData);
    socket.drainHandler(v -> updateReading());
    socket.exceptionHandler(this::onSocketError);
    socket.closeHandler(v -> onClosed());
    socket.shutdownHandler(v -> onShutdown());
    listener.idleSweeper.add(this);
  }

  String id() {
    return id;
  }

  String listenerName() {
    return config.name();
  }

  /** The event-loop context this connection is confined to. */
  Context context() {
    return context;
  }

  /**
   * Writes an unsolicited frame now, between replies; {@code payload} may be {@code null} to only close.
   * Fails with code {@link GatewayHeaders#NO_CONNECTION} once the connection is closing, or
   * {@link GatewayHeaders#BUSY} while its write queue is full.
   */
  Future<Void> push(Buffer payload, boolean close) {
    return pushFramed(payload == null ? null : listener.frame(payload), close);
  }

  /** {@code payload} framed for this connection's listener; any thread. */
  Buffer frame(Buffer payload) {
    return listener.frame(payload);
  }

  /** {@link #push} with {@code bytes} already framed (by {@link #frame}). */
  Future<Void> pushFramed(Buffer bytes, boolean close) {
    if (closed || closing) {
      return Future.failedFuture(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, GatewayHeaders.NO_CONNECTION,
        "connection " + id + " is closed"));
    }
    if (bytes != null && socket.writeQueueFull()) {
      return Future.failedFuture(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, GatewayHeaders.BUSY,
        "connection " + id + " is not reading (write queue full)"));
    }
    if (bytes != null) {
      stats.frameOut(bytes.length());
      write(bytes);
    }
    Future<Void> written = lastWrite == null ? Future.succeededFuture() : lastWrite;
    if (close) {
      closeAfterWrites(CloseReason.SERVER);
    }
    return written;
  }

  private void publishEvent(String event, CloseReason reason) {
    JsonObject json = new JsonObject()
      .put("event", event)
      .put("connectionId", id)
      .put("listener", config.name())
      .put("remoteAddress", remote)
      .put("localAddress", local)
      .put("node", ConnectionIds.node())
      .put("timestamp", System.currentTimeMillis());
    if (reason != null) {
      json.put("reason", reason.tag());
    }
    bus.publish(GatewayHeaders.EVENTS_ADDRESS, json);
  }

  private void onData(Buffer chunk) {
    if (closed || closing) {
      return;
    }
    lastActivityNanos = System.nanoTime();
    stats.bytesIn(chunk.length());
    framer.handle(chunk);
    armFrameTimer();
  }

  @Override
  public void onFrame(Buffer frame) {
    if (closed || ending) {
      return;
    }
    stats.frameIn();
    long sequence = nextSequence++;
    long completeNanos = System.nanoTime();
    if (draining) {
      refuse(ErrorCode.SHUTTING_DOWN, Outcome.SHUTTING_DOWN, completeNanos);
      return;
    }
    Object body;
    try {
      body = FrameCodec.requestBody(config.body(), frame);
    } catch (IllegalArgumentException e) {
      refuse(ErrorCode.BAD_JSON, Outcome.BAD_JSON, completeNanos);
      return;
    }
    MultiMap headers = requestHeaders(sequence);
    if (!config.reply()) {
      DeliveryOptions options = new DeliveryOptions().setHeaders(headers);
      if (config.publish()) {
        bus.publish(config.address(), body, options);
      } else {
        bus.send(config.address(), body, options);
      }
      stats.outcome(Outcome.SENT);
      return;
    }
    ReplySlot slot = new ReplySlot(this, completeNanos);
    slots.addLast(slot);
    stats.requestStarted();
    requests.send(config.address(), body, headers, config.requestTimeoutMs(), slot);
    armRequestTimer();
    if (slots.size() >= config.maxInFlight()) {
      updateReading();
    }
  }

  private MultiMap requestHeaders(long sequence) {
    long deadline = System.currentTimeMillis() + config.requestTimeoutMs();
    return MultiMap.caseInsensitiveMultiMap()
      .add(HeaderNames.CONNECTION_ID, id)
      .add(HeaderNames.LISTENER, config.name())
      .add(HeaderNames.REMOTE_ADDRESS, remote)
      .add(HeaderNames.LOCAL_ADDRESS, local)
      .add(HeaderNames.SEQUENCE, Long.toString(sequence))
      .add(HeaderNames.DEADLINE, Long.toString(deadline));
  }

  /** A frame answered by the gateway itself, in its place in the reply order. */
  private void refuse(ErrorCode code, Outcome outcome, long completeNanos) {
    stats.outcome(outcome);
    if (!config.reply()) {
      return;
    }
    ReplySlot slot = new ReplySlot(this, completeNanos);
    slot.complete(listener.framedError(code), false);
    slots.addLast(slot);
    writeReadyReplies();
  }

  /**
   * A worker's reply to {@code slot}'s frame: turned into the frame's bytes on the calling thread (a worker's, on the
   * local fast path), then put in its place on this connection's event loop.
   */
  void replyReceived(ReplySlot slot, Object body, MultiMap headers) {
    if (body instanceof ReplyException) {
      requestFailed(slot, (ReplyException) body);
      return;
    }
    Buffer bytes;
    boolean closeAfter = false;
    Outcome outcome = Outcome.OK;
    try {
      Buffer payload = FrameCodec.replyBytes(body);
      bytes = payload == null ? null : listener.frame(payload);
      if (bytes != null && bytes == body) {
        // framed as is (fixed-size framing): the worker may reuse its buffer once reply() returns
        bytes = bytes.copy();
      }
      closeAfter = GatewayHeaders.wantsClose(headers);
    } catch (RuntimeException e) {
      // a body that is not Buffer, String or JsonObject, or a JsonObject that cannot be encoded
      bytes = listener.framedError(ErrorCode.WORKER_FAILED, String.valueOf(e.getMessage()));
      outcome = Outcome.WORKER_FAILED;
    }
    onOutcome(slot, bytes, closeAfter, outcome);
  }

  /** The event bus could not deliver {@code slot}'s frame, or the worker failed it. Any thread. */
  void requestFailed(ReplySlot slot, Throwable cause) {
    Outcome outcome = failureOutcome(cause);
    ErrorCode code = switch (outcome) {
      case TIMEOUT -> ErrorCode.TIMEOUT;
      case NO_HANDLER -> ErrorCode.NO_HANDLER;
      default -> ErrorCode.WORKER_FAILED;
    };
    String detail = code != ErrorCode.WORKER_FAILED ? null
      : cause instanceof ReplyException ? cause.getMessage() : String.valueOf(cause.getMessage());
    onOutcome(slot, listener.framedError(code, detail), false, outcome);
  }

  private void onOutcome(ReplySlot slot, Buffer bytes, boolean closeAfter, Outcome outcome) {
    if (Vertx.currentContext() == context) {
      fill(slot, bytes, closeAfter, outcome);
    } else {
      context.runOnContext(v -> fill(slot, bytes, closeAfter, outcome));
    }
  }

  private void fill(ReplySlot slot, Buffer bytes, boolean closeAfter, Outcome outcome) {
    if (slot.done()) {
      return;
    }
    stats.requestEnded();
    stats.outcome(outcome);
    slot.complete(bytes, closeAfter);
    flushReplies();
  }

  private void flushReplies() {
    if (closed || flushScheduled) {
      return;
    }
    if (slots.size() > 1) {
      // More replies are on their way: gather what arrives in this event-loop turn into one write (one syscall).
      flushScheduled = true;
      context.runOnContext(v -> {
        flushScheduled = false;
        writeReadyReplies();
      });
      return;
    }
    writeReadyReplies();
  }

  private static Outcome failureOutcome(Throwable cause) {
    if (cause instanceof ReplyException) {
      switch (((ReplyException) cause).failureType()) {
        case TIMEOUT:
          return Outcome.TIMEOUT;
        case NO_HANDLERS:
          return Outcome.NO_HANDLER;
        default:
          return Outcome.WORKER_FAILED;
      }
    }
    return Outcome.WORKER_FAILED;
  }

  /** When the connection stops waiting for {@code slot}'s reply ({@link System#nanoTime()} scale). */
  private long deadlineNanos(ReplySlot slot) {
    return slot.frameCompleteNanos() + requestTimeoutNanos;
  }

  /** Answers, with {@code ERR timeout}, every request whose deadline has passed; then waits for the next one. */
  private void expireRequests() {
    long now = System.nanoTime();
    boolean expired = false;
    for (ReplySlot slot : slots) {
      if (!slot.awaitingReply()) {
        continue;
      }
      if (deadlineNanos(slot) - now > 0) {
        break;
      }
      if (!requests.forget(slot)) {
        slot.replyOnItsWay();
      } else {
        stats.requestEnded();
        stats.outcome(Outcome.TIMEOUT);
        slot.complete(listener.framedError(ErrorCode.TIMEOUT), false);
        expired = true;
      }
    }
    if (expired) {
      flushReplies();
    }
    armRequestTimer();
  }

  /**
   * One deadline timer per connection, armed for the oldest request still waiting. Requests are sent in deadline
   * order, so when it fires it answers every expired request at the head and re-arms for the next one; a timer that
   * finds nothing waiting is not re-armed.
   */
  private void armRequestTimer() {
    if (requestTimer != -1 || closed) {
      return;
    }
    ReplySlot oldest = null;
    for (ReplySlot slot : slots) {
      if (slot.awaitingReply()) {
        oldest = slot;
        break;
      }
    }
    if (oldest == null) {
      return;
    }
    long delayMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos(oldest) - System.nanoTime() + 999_999));
    requestTimer = startTimer(delayMs, t -> {
      requestTimer = -1;
      expireRequests();
    });
  }

  private void writeReadyReplies() {
    Buffer batch = null;
    boolean merged = false;
    long now = System.nanoTime();
    while (!closing && !slots.isEmpty() && slots.peekFirst().done()) {
      ReplySlot slot = slots.pollFirst();
      Buffer bytes = slot.bytes();
      if (bytes != null) {
        stats.frameOut(bytes.length());
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
        if (batch != null) {
          write(batch);
        }
        closeAfterWrites(ending ? closeReason : CloseReason.SERVER);
        return;
      }
    }
    if (batch != null) {
      write(batch);
    }
    if (draining && slots.isEmpty()) {
      closeAfterWrites(CloseReason.SHUTDOWN);
      return;
    }
    updateReading();
  }

  private void write(Buffer bytes) {
    lastActivityNanos = System.nanoTime();
    lastWrite = socket.write(bytes);
  }

  private void updateReading() {
    boolean wanted = !closed && !closing && !ending && slots.size() < config.maxInFlight() && !socket.writeQueueFull();
    if (wanted && readingPaused) {
      readingPaused = false;
      framer.resume();
      if (!readingPaused) {
        readingResumedNanos = System.nanoTime();
        socket.resume();
        armFrameTimer();
      }
    } else if (!wanted && !readingPaused) {
      readingPaused = true;
      socket.pause();
      framer.pause();
      if (!closed && !closing && !ending) {
        stats.paused();
      }
    }
  }

  @Override
  public void onFramingError(FramingException error) {
    CloseReason reason = error.kind() == FramingException.Kind.FRAME_TOO_LARGE
      ? CloseReason.FRAME_TOO_LARGE : CloseReason.BAD_FRAME;
    ErrorCode code = error.kind() == FramingException.Kind.FRAME_TOO_LARGE
      ? ErrorCode.FRAME_TOO_LARGE : ErrorCode.BAD_FRAME;
    LOG.debug("[c-{}] {}: {}", id, code.code(), error.getMessage());
    endWithError(code, reason);
  }

  @Override
  public void onEndOfStream() {
  }

  /** Queues a last error reply after the frames already in flight, then closes once it is written. */
  private void endWithError(ErrorCode code, CloseReason reason) {
    if (closed || ending || closing) {
      return;
    }
    ending = true;
    closeReason = reason;
    updateReading();
    ReplySlot slot = new ReplySlot(this, System.nanoTime());
    slot.complete(listener.framedError(code), true);
    slots.addLast(slot);
    writeReadyReplies();
  }

  private void closeAfterWrites(CloseReason reason) {
    if (closing || closed) {
      return;
    }
    closing = true;
    if (closeReason == null) {
      closeReason = reason;
    }
    updateReading();
    Future<Void> pending = lastWrite;
    if (pending == null || pending.isComplete()) {
      socket.close();
      return;
    }
    pending.onComplete(ar -> socket.close());
    lingerTimer = startTimer(CLOSE_LINGER_MS, t -> {
      lingerTimer = -1;
      socket.close();
    });
  }

  private void closeNow(CloseReason reason) {
    if (closed) {
      return;
    }
    if (closeReason == null) {
      closeReason = reason;
    }
    closing = true;
    socket.close();
  }

  private void onShutdown() {
    draining = true;
    stats.drainStarted();
    LOG.debug("[c-{}] draining: {} replies pending", id, slots.size());
    if (slots.isEmpty()) {
      closeAfterWrites(CloseReason.SHUTDOWN);
    }
  }

  private void onSocketError(Throwable error) {
    if (error instanceof IOException) {
      resetSeen = true;
      LOG.debug("[c-{}] socket error: {}", id, error.toString());
    } else {
      LOG.warn("[c-{}] unexpected error, closing: {}", id, error.toString(), error);
      closeNow(CloseReason.ERROR);
    }
  }

  private void onClosed() {
    if (closed) {
      return;
    }
    closed = true;
    cancelTimer(frameTimer);
    cancelTimer(lingerTimer);
    cancelTimer(requestTimer);
    frameTimer = -1;
    lingerTimer = -1;
    requestTimer = -1;
    framer.pause();
    int abandoned = slots.size();
    for (ReplySlot slot : slots) {
      if (!slot.done()) {
        requests.forget(slot);
        slot.complete(null, false);
        stats.requestEnded();
        stats.outcome(Outcome.ABANDONED);
      }
    }
    slots.clear();
    CloseReason reason = closeReason != null ? closeReason : resetSeen ? CloseReason.RESET : CloseReason.CLIENT;
    stats.connectionClosed(reason);
    listener.registry.remove(this);
    listener.idleSweeper.remove(this);
    LOG.debug("[c-{}] closed ({}), {} replies abandoned", id, reason.tag(), abandoned);
    publishEvent("closed", reason);
  }

  /** When a byte was last read or written. */
  long lastActivityNanos() {
    return lastActivityNanos;
  }

  /** Closes the connection for having been idle; called by the idle sweeper, which checked {@link #lastActivityNanos}. */
  void closeAsIdle(long nowNanos) {
    if (closed) {
      return;
    }
    LOG.debug("[c-{}] idle for {} ms, closing", id, TimeUnit.NANOSECONDS.toMillis(nowNanos - lastActivityNanos));
    closeNow(CloseReason.IDLE_TIMEOUT);
  }

  private void armFrameTimer() {
    if (frameTimer != -1 || closed || ending || !framer.hasPartialFrame()) {
      return;
    }
    frameTimer = startTimer(Math.max(1, config.frameTimeoutMs() - partialFrameAgeMs()), t -> {
      frameTimer = -1;
      if (closed || ending || !framer.hasPartialFrame()) {
        return;
      }
      long ageMs = partialFrameAgeMs();
      if (ageMs >= config.frameTimeoutMs()) {
        LOG.debug("[c-{}] frame incomplete after {} ms", id, ageMs);
        endWithError(ErrorCode.FRAME_TIMEOUT, CloseReason.FRAME_TIMEOUT);
      } else {
        armFrameTimer();
      }
    });
  }

  /** How long the current partial frame has been waiting on the client; time we spent not reading does not count. */
  private long partialFrameAgeMs() {
    long since = Math.max(framer.partialFrameSinceNanos(), readingResumedNanos);
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since);
  }

  private long startTimer(long delayMs, io.vertx.core.Handler<Long> handler) {
    stats.timerStarted();
    return vertx.setTimer(delayMs, t -> {
      stats.timerEnded();
      handler.handle(t);
    });
  }

  /** Cancels a live timer; counted here even when Vert.x already dropped it with an undeployed verticle. */
  private void cancelTimer(long timer) {
    if (timer != -1) {
      vertx.cancelTimer(timer);
      stats.timerEnded();
    }
  }

  static String format(SocketAddress address) {
    if (address == null) {
      return "";
    }
    String host = address.hostAddress();
    if (host == null) {
      return address.toString();
    }
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.port();
  }
}
