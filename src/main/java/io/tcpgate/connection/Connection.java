package io.tcpgate.connection;

import java.util.List;
import java.util.ArrayList;
import io.tcpgate.bus.ErrorCode;
import io.tcpgate.bus.FrameCodec;
import io.tcpgate.bus.GatewayHeaders;
import io.tcpgate.config.ListenerConfig;
import io.tcpgate.dispatch.Dispatcher;
import io.tcpgate.dispatch.PushTarget;
import io.tcpgate.framing.FrameSink;
import io.tcpgate.framing.Framer;
import io.tcpgate.framing.FramingException;
import io.tcpgate.internal.HalfClose;
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
import io.vertx.core.net.NetSocket;

import java.io.IOException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One client connection, and the single policy point that decides what every event does in each
 * {@link ConnectionState}: a frame, a reply or error, a deadline, the client's end of stream, a reset, the gateway's
 * drain, a push. The mechanisms it calls are classes of their own: the {@link Framer} cuts frames, the
 * {@link Dispatcher} decides when each request goes onto the event bus, the {@link ReplyQueue} keeps replies in frame
 * order and batches their writes, {@link Deadlines} holds the timers.
 *
 * <p>Its state is confined to the event loop that accepted the socket; only {@link #replyReceived} and
 * {@link #requestFailed} may be called from other threads, and they hand their result to that event loop. Reading
 * stops while {@code maxInFlight} frames are taken and not yet answered, or while the socket's write queue is full,
 * and resumes when both drain, so memory per connection stays bounded whatever the client does.
 */
public final class Connection implements FrameSink, PushTarget {

  /** How long a connection that must close may take to flush its last reply before it is closed anyway. */
  public static final long CLOSE_LINGER_MS = 5_000;

  private final Context context;
  private final EventBus bus;
  private final NetSocket socket;
  private final ListenerContext listener;
  /** The listener's configuration when this connection was accepted: its framing, body type and reply mode. */
  private final ListenerConfig accepted;
  private final ListenerStats stats;
  private final Framer framer;
  private final ReplyQueue replies;
  private final Deadlines deadlines;
  private final String id;
  private final ClientIdentity client;
  private final RequestHeaders.Shared sharedHeaders;
  private final ConnectionLog log;
  /** The listener's configuration as of this connection's last frame; a reload swaps it between frames. */
  private ListenerConfig config;
  private volatile ReplyFraming replyFraming;
  private Dispatcher dispatcher;
  /**
   * Whether requests taken before a reload changed the timeout are still unanswered, so deadlines may not be in frame
   * order; {@link #mixedFrom} is the first frame taken with the new timeout.
   */
  private boolean mixedTimeouts;
  private long mixedFrom;

  private ConnectionState state = ConnectionState.OPEN;
  private CloseReason closeReason;
  private boolean resetSeen;
  private boolean readingPaused;
  private long nextSequence = 1;
  private final long openedNanos = System.nanoTime();
  private long lastReadNanos = openedNanos;
  private long bytesRead;
  private long readingResumedNanos = lastReadNanos;

  Connection(Vertx vertx, NetSocket socket, ListenerContext listener, ListenerSettings settings) {
    this.context = vertx.getOrCreateContext();
    this.bus = vertx.eventBus();
    this.socket = socket;
    this.listener = listener;
    this.config = settings.config();
    this.accepted = config;
    this.replyFraming = settings.replies();
    this.stats = listener.stats;
    this.framer = accepted.framing().newFramer(this);
    this.dispatcher = Dispatcher.create(config.dispatch(), config.address(), listener.requests, listener.pinned);
    this.replies = new ReplyQueue(context, socket, stats, this::afterWrite);
    this.deadlines = new Deadlines(vertx, stats);
    this.id = ConnectionIds.next();
    this.client = ClientIdentity.of(socket, accepted.proxyProtocol().enabled());
    this.sharedHeaders = sharedHeaders();
    this.log = new ConnectionLog(bus, id, accepted.name(), client);
  }

  void start() {
    stats.connectionOpened();
    listener.registry.add(this);
    log.connected();
    HalfClose.deliverEndOfStream(socket);
    socket.handler(this::onData);
    socket.drainHandler(v -> updateReading());
    socket.exceptionHandler(this::onSocketError);
    socket.closeHandler(v -> onClosed());
    socket.shutdownHandler(v -> onDrain());
    listener.idleSweeper.add(this);
    if (accepted.age().enabled()) {
      deadlines.armAge(accepted.age().drawMillis(ThreadLocalRandom.current()), this::onMaxAge);
    }
  }

  /**
   * Takes the listener's settings if a reload changed them since the last frame. A changed {@code dispatch} or
   * {@code address} hands over to a new dispatcher once the frames already taken are settled, so order holds.
   */
  private void refreshSettings() {
    ListenerSettings latest = listener.settings;
    if (latest.config() == config) {
      return;
    }
    ListenerConfig before = config;
    config = latest.config();
    replyFraming = latest.replies(accepted.framing());
    if (before.requestTimeoutMs() != config.requestTimeoutMs()) {
      // the armed timer may be due later than the next request's deadline: armRequestDeadline compares deadlines
      // until no request taken with the old timeout is left
      mixedTimeouts = true;
      mixedFrom = nextSequence;
    }
    if (before.dispatch() != config.dispatch() || !before.address().equals(config.address())) {
      List<ReplySlot> unsettled = new ArrayList<>();
      for (ReplySlot slot : replies.slots()) {
        if (!slot.done()) {
          unsettled.add(slot);
        }
      }
      dispatcher = Dispatcher.handover(dispatcher,
        Dispatcher.create(config.dispatch(), config.address(), listener.requests, listener.pinned), unsettled);
    }
  }

  /** The connection's id, unique across JVMs. */
  public String id() {
    return id;
  }

  @Override
  public String listenerName() {
    return accepted.name();
  }

  @Override
  public Context context() {
    return context;
  }

  @Override
  public Buffer frame(Buffer payload) {
    return replyFraming.frame(payload);
  }

  @Override
  public Object framing() {
    return accepted.framing();
  }

  // ---- events from the socket and the framer

  private void onData(Buffer chunk) {
    if (!state.readsFrames()) {
      return;
    }
    lastReadNanos = System.nanoTime();
    refreshSettings();
    if (chunk.length() == 0) {
      log.debug().log("[c-{}] end of stream from the client, {} frame(s) taken and not answered", id, replies.size());
      framer.end();
      return;
    }
    stats.bytesIn(chunk.length());
    bytesRead += chunk.length();
    framer.handle(chunk);
    armFrameDeadline();
  }

  @Override
  public void onFrame(Buffer frame) {
    switch (state) {
      case OPEN:
        take(frame);
        break;
      case DRAINING:
        stats.frameIn();
        nextSequence++;
        refuse(ErrorCode.SHUTTING_DOWN, Outcome.SHUTTING_DOWN, System.nanoTime());
        break;
      default:
        break;
    }
  }

  @Override
  public void onEndOfStream() {
    if (state == ConnectionState.OPEN || state == ConnectionState.DRAINING) {
      moveTo(ConnectionState.INPUT_ENDED);
      closeIfAnswered();
    }
  }

  @Override
  public void onFramingError(FramingException error) {
    boolean tooLarge = error.kind() == FramingException.Kind.FRAME_TOO_LARGE;
    ErrorCode code = tooLarge ? ErrorCode.FRAME_TOO_LARGE : ErrorCode.BAD_FRAME;
    log.debug().log("[c-{}] {}: {}", id, code.code(), error.getMessage());
    finishWith(code, tooLarge ? CloseReason.FRAME_TOO_LARGE : CloseReason.BAD_FRAME);
  }

  private void onSocketError(Throwable error) {
    if (error instanceof IOException) {
      resetSeen = true;
      log.debug().log("[c-{}] socket error: {}", id, error.toString());
    } else {
      log.warn().log("[c-{}] unexpected error, closing: {}", id, error.toString(), error);
      closeNow(CloseReason.ERROR);
    }
  }

  /** The gateway is shutting down (Vert.x's NetServer shutdown reached this connection). */
  private void onDrain() {
    stats.drainStarted();
    log.debug().log("[c-{}] draining: {} replies pending", id, replies.size());
    if (state == ConnectionState.OPEN) {
      moveTo(ConnectionState.DRAINING);
      closeIfAnswered();
    }
  }

  // ---- frames

  private void take(Buffer frame) {
    stats.frameIn();
    long sequence = nextSequence++;
    long completeNanos = System.nanoTime();
    if (saturated()) {
      refuse(ErrorCode.BUSY, Outcome.BUSY, completeNanos);
      return;
    }
    Object body;
    try {
      body = FrameCodec.requestBody(accepted.body(), frame);
    } catch (IllegalArgumentException e) {
      refuse(ErrorCode.BAD_JSON, Outcome.BAD_JSON, completeNanos);
      return;
    }
    if (!accepted.reply()) {
      DeliveryOptions options = new DeliveryOptions()
        .setHeaders(requestHeaders(sequence, config.requestTimeoutMs()));
      if (accepted.publish()) {
        bus.publish(config.address(), body, options);
      } else {
        bus.send(config.address(), body, options);
      }
      stats.outcome(Outcome.SENT);
      return;
    }
    ReplySlot slot = new ReplySlot(this, body, sequence, completeNanos, config.requestTimeoutMs(),
      config.address());
    replies.add(slot);
    stats.requestStarted();
    reportInFlight();
    dispatcher.submit(slot);
    armRequestDeadline();
    if (replies.size() >= config.maxInFlight()) {
      updateReading();
    }
  }

  /** Tells the listener's accept switch ({@code overload.stopAccepting}) how many frames are in flight now. */
  private void reportInFlight() {
    if (config.overload().stopAccepting()) {
      listener.accepting.inFlight(stats.inFlight());
    }
  }

  /**
   * Whether a new frame must be refused with {@code ERR busy}: the listener's frames in flight across its connections
   * reached {@code overload.maxInFlight}, or this event loop runs later than {@code overload.maxEventLoopLagMs}.
   */
  private boolean saturated() {
    var overload = config.overload();
    return overload.limitsInFlight() && stats.inFlight() >= overload.maxInFlight()
      || overload.maxEventLoopLagMs() > 0 && listener.lag.lagMs() > overload.maxEventLoopLagMs();
  }

  MultiMap requestHeaders(long sequence, long timeoutMs) {
    return new RequestHeaders(sharedHeaders, sequence, RequestDeadline.epochMillis(timeoutMs));
  }

  private RequestHeaders.Shared sharedHeaders() {
    List<String> names = new ArrayList<>(List.of(GatewayHeaders.CONNECTION_ID,
      GatewayHeaders.LISTENER, GatewayHeaders.REMOTE_ADDRESS, GatewayHeaders.LOCAL_ADDRESS));
    List<String> values = new ArrayList<>(List.of(id, accepted.name(), client.remote(),
      client.local()));
    if (client.peer() != null) {
      names.add(GatewayHeaders.PEER_ADDRESS);
      values.add(client.peer());
    }
    if (client.subject() != null) {
      names.add(GatewayHeaders.PEER_SUBJECT);
      values.add(client.subject());
    }
    if (client.sni() != null) {
      names.add(GatewayHeaders.SNI);
      values.add(client.sni());
    }
    return new RequestHeaders.Shared(names, values);
  }

  /** A frame answered by the gateway itself, in its place in the reply order. */
  private void refuse(ErrorCode code, Outcome outcome, long completeNanos) {
    stats.outcome(outcome);
    if (!accepted.reply()) {
      return;
    }
    replies.add(ReplySlot.answered(completeNanos, replyFraming.error(code), false));
    replies.answered();
  }

  // ---- outcomes

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
      bytes = payload == null ? null : replyFraming.frame(payload);
      if (bytes != null && bytes == body) {
        // framed as is (fixed-size framing): the worker may reuse its buffer once reply() returns
        bytes = bytes.copy();
      }
      closeAfter = GatewayHeaders.wantsClose(headers);
    } catch (RuntimeException e) {
      // a body that is not Buffer, String or JsonObject, or a JsonObject that cannot be encoded
      bytes = replyFraming.error(ErrorCode.WORKER_FAILED, String.valueOf(e.getMessage()));
      outcome = Outcome.WORKER_FAILED;
    }
    onOutcome(slot, bytes, closeAfter, outcome);
  }

  /** The event bus could not deliver {@code slot}'s frame, or the worker failed it. Any thread. */
  void requestFailed(ReplySlot slot, Throwable cause) {
    Outcome outcome = failureOutcome(cause);
    if (outcome == Outcome.TIMEOUT && System.nanoTime() - slot.deadlineNanos() < 0) {
      // Vert.x answers TIMEOUT ("Discarded the request") at once for a request its consumer did not take: a full
      // queue (maxBufferedMessages) or a consumer unregistered while the request was on its way (a bridge client that
      // just left). Nobody processed it and its deadline is not over: busy (safe to send again) while a consumer
      // still serves the address, no-handler when none is left; not a timeout, whose outcome is unknown
      outcome = listener.requests.mayHaveConsumer(slot.address()) ? Outcome.BUSY : Outcome.NO_HANDLER;
    }
    ErrorCode code = switch (outcome) {
      case TIMEOUT -> ErrorCode.TIMEOUT;
      case NO_HANDLER -> ErrorCode.NO_HANDLER;
      case BUSY -> ErrorCode.BUSY;
      default -> ErrorCode.WORKER_FAILED;
    };
    String detail = code != ErrorCode.WORKER_FAILED ? null
      : cause instanceof ReplyException ? cause.getMessage() : String.valueOf(cause.getMessage());
    onOutcome(slot, replyFraming.error(code, detail), false, outcome);
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

  private void onOutcome(ReplySlot slot, Buffer bytes, boolean closeAfter, Outcome outcome) {
    if (Vertx.currentContext() == context) {
      settle(slot, bytes, closeAfter, outcome);
    } else {
      context.runOnContext(v -> settle(slot, bytes, closeAfter, outcome));
    }
  }

  private void settle(ReplySlot slot, Buffer bytes, boolean closeAfter, Outcome outcome) {
    if (slot.done()) {
      return;
    }
    stats.requestEnded();
    stats.outcome(outcome);
    reportInFlight();
    slot.complete(bytes, closeAfter);
    if (closeAfter) {
      // nothing after a reply that closes the connection is answered, so nothing after it may be processed
      dispatcher.close();
    } else {
      dispatcher.settled(slot);
    }
    armRequestDeadline();
    replies.answered();
  }

  /** Called by the reply queue after each round of writes. */
  private void afterWrite(ReplySlot closing) {
    if (closing != null) {
      closeAfterWrites(state == ConnectionState.FINISHING ? closeReason : CloseReason.SERVER);
    } else if (!closeIfAnswered()) {
      updateReading();
    }
  }

  /** Closes a draining or half-closed connection whose frames are all answered; tells whether it did. */
  private boolean closeIfAnswered() {
    if (!state.closesWhenAnswered() || !replies.isEmpty()) {
      return false;
    }
    closeAfterWrites(state == ConnectionState.INPUT_ENDED ? CloseReason.CLIENT : CloseReason.SHUTDOWN);
    return true;
  }

  // ---- deadlines

  /** Answers, with {@code ERR timeout}, every request whose deadline has passed; then waits for the next one. */
  private void expireRequests() {
    long now = System.nanoTime();
    boolean expired = false;
    for (ReplySlot slot : replies.slots()) {
      if (!slot.awaitingReply()) {
        continue;
      }
      if (slot.deadlineNanos() - now > 0) {
        if (mixedTimeouts) {
          continue;
        }
        break;
      }
      if (!dispatcher.forget(slot)) {
        slot.replyOnItsWay();
      } else {
        stats.requestEnded();
        stats.outcome(Outcome.TIMEOUT);
        slot.complete(replyFraming.error(ErrorCode.TIMEOUT), false);
        dispatcher.settled(slot);
        expired = true;
      }
    }
    armRequestDeadline();
    if (expired) {
      reportInFlight();
      replies.answered();
    }
  }

  /**
   * One request timer per connection, armed for the oldest request still waiting. Requests are sent in frame order,
   * so their deadlines come in that order too: when it fires it answers every expired request at the head and
   * re-arms for the next one; a timer that finds nothing waiting is not re-armed.
   */
  private void armRequestDeadline() {
    if (state == ConnectionState.CLOSED || deadlines.requestArmed() && !mixedTimeouts) {
      return;
    }
    ReplySlot first = null;
    boolean oldTimeoutsLeft = false;
    for (ReplySlot slot : replies.slots()) {
      if (mixedTimeouts && !slot.done() && slot.sequence() < mixedFrom) {
        oldTimeoutsLeft = true;
      }
      if (slot.awaitingReply() && (first == null || slot.deadlineNanos() - first.deadlineNanos() < 0)) {
        first = slot;
        if (!mixedTimeouts) {
          break;
        }
      }
    }
    if (first != null) {
      armRequestTimer(first);
    }
    if (!oldTimeoutsLeft) {
      // the requests left were all taken with one timeout and are sent in frame order: so are their deadlines
      mixedTimeouts = false;
    }
  }

  private void armRequestTimer(ReplySlot first) {
    if (deadlines.requestArmed()) {
      // a reload changed the timeout: a request sent later may be due before the one the timer waits for
      if (first.deadlineNanos() - deadlines.requestDueNanos() >= -1_000_000) {
        return;
      }
      deadlines.cancelRequest();
    }
    long delayNanos = first.deadlineNanos() - System.nanoTime();
    deadlines.armRequest(TimeUnit.NANOSECONDS.toMillis(delayNanos + 999_999), this::expireRequests);
  }

  private void armFrameDeadline() {
    if (deadlines.frameArmed() || !state.readsFrames() || !framer.hasPartialFrame()) {
      return;
    }
    deadlines.armFrame(config.frameTimeoutMs() - partialFrameAgeMs(), () -> {
      if (!state.readsFrames() || !framer.hasPartialFrame()) {
        return;
      }
      long ageMs = partialFrameAgeMs();
      if (ageMs >= config.frameTimeoutMs()) {
        log.debug().log("[c-{}] frame incomplete after {} ms", id, ageMs);
        finishWith(ErrorCode.FRAME_TIMEOUT, CloseReason.FRAME_TIMEOUT);
      } else {
        armFrameDeadline();
      }
    });
  }

  /** How long the current partial frame has been waiting on the client; time we spent not reading does not count. */
  private long partialFrameAgeMs() {
    long since = Math.max(framer.partialFrameSinceNanos(), readingResumedNanos);
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since);
  }

  /** When a byte was last read or written. */
  long lastActivityNanos() {
    return Math.max(lastReadNanos, replies.lastWriteNanos());
  }

  /** Closes the connection for having been idle; called by the idle sweeper, which checked {@link #lastActivityNanos}. */
  void closeAsIdle(long nowNanos) {
    if (state == ConnectionState.CLOSED) {
      return;
    }
    log.debug().log("[c-{}] idle for {} ms, closing", id, TimeUnit.NANOSECONDS.toMillis(nowNanos - lastActivityNanos()));
    closeNow(CloseReason.IDLE_TIMEOUT);
  }

  // ---- pushes

  @Override
  public Future<Void> pushFramed(Buffer bytes, boolean close) {
    if (!state.acceptsPush()) {
      return Future.failedFuture(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, GatewayHeaders.NO_CONNECTION,
        "connection " + id + " is closed"));
    }
    if (bytes != null && socket.writeQueueFull()) {
      return Future.failedFuture(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, GatewayHeaders.BUSY,
        "connection " + id + " is not reading (write queue full)"));
    }
    if (bytes != null) {
      stats.frameOut(bytes.length());
      replies.push(bytes);
    }
    Future<Void> written = replies.lastWrite() == null ? Future.succeededFuture() : replies.lastWrite();
    if (close) {
      closeAfterWrites(CloseReason.SERVER);
    }
    return written;
  }

  // ---- reading, finishing, closing

  private void updateReading() {
    boolean wanted = state.readsFrames() && replies.size() < config.maxInFlight() && !socket.writeQueueFull();
    if (wanted && readingPaused) {
      readingPaused = false;
      framer.resume();
      if (!readingPaused) {
        readingResumedNanos = System.nanoTime();
        socket.resume();
        armFrameDeadline();
      }
    } else if (!wanted && !readingPaused) {
      readingPaused = true;
      socket.pause();
      framer.pause();
      if (state.readsFrames()) {
        stats.paused();
      }
    }
  }

  /** Queues a last error reply after the frames already taken, then closes once it is written. */
  private void finishWith(ErrorCode code, CloseReason reason) {
    finishWith(replyFraming.error(code), reason);
  }

  /** Stops reading, queues {@code last} (or nothing) after the frames already taken, and closes once it is written. */
  private boolean finishWith(Buffer last, CloseReason reason) {
    if (state != ConnectionState.OPEN && state != ConnectionState.DRAINING && state != ConnectionState.INPUT_ENDED) {
      return false;
    }
    moveTo(ConnectionState.FINISHING);
    closeReason = reason;
    updateReading();
    replies.add(ReplySlot.answered(System.nanoTime(), last, true));
    replies.answered();
    return true;
  }

  /**
   * The connection reached its maximum age: it stops reading (frames not read are not processed, safe to send again),
   * answers every frame already taken, writes {@code goaway} if the listener says so, and closes with a FIN; if the
   * answers take longer than the grace period, it closes anyway.
   */
  private void onMaxAge() {
    log.debug().log("[c-{}] maximum age reached, {} frame(s) still to answer", id, replies.size());
    Buffer goaway = config.age().goaway() ? replyFraming.error(ErrorCode.GOAWAY) : null;
    if (!finishWith(goaway, CloseReason.MAX_AGE)) {
      return;
    }
    deadlines.armAge(config.age().graceMs(), () -> {
      if (state == ConnectionState.FINISHING) {
        log.debug().log("[c-{}] grace period over with {} frame(s) unanswered, closing", id, replies.size());
        closeReason = CloseReason.MAX_AGE_FORCED;
        closeNow(CloseReason.MAX_AGE_FORCED);
      }
    });
  }

  private void closeAfterWrites(CloseReason reason) {
    if (state == ConnectionState.CLOSING || state == ConnectionState.CLOSED) {
      return;
    }
    moveTo(ConnectionState.CLOSING);
    if (closeReason == null) {
      closeReason = reason;
    }
    replies.stop();
    dispatcher.close();
    updateReading();
    Future<Void> pending = replies.lastWrite();
    if (pending == null || pending.isComplete()) {
      socket.close();
      return;
    }
    pending.onComplete(ar -> socket.close());
    deadlines.armLinger(CLOSE_LINGER_MS, socket::close);
  }

  private void closeNow(CloseReason reason) {
    if (state == ConnectionState.CLOSED) {
      return;
    }
    if (closeReason == null) {
      closeReason = reason;
    }
    if (state != ConnectionState.CLOSING) {
      moveTo(ConnectionState.CLOSING);
    }
    replies.stop();
    dispatcher.close();
    socket.close();
  }

  private void onClosed() {
    if (state == ConnectionState.CLOSED) {
      return;
    }
    moveTo(ConnectionState.CLOSED);
    replies.stop();
    deadlines.cancelAll();
    framer.pause();
    int abandoned = 0;
    for (ReplySlot slot : replies.drainAll()) {
      if (slot.done()) {
        continue;
      }
      if (slot.outstanding()) {
        dispatcher.forget(slot);
      }
      slot.complete(null, false);
      stats.requestEnded();
      stats.outcome(Outcome.ABANDONED);
      abandoned++;
    }
    if (abandoned > 0) {
      reportInFlight();
    }
    dispatcher.close();
    CloseReason reason = closeReason != null ? closeReason : resetSeen ? CloseReason.RESET : CloseReason.CLIENT;
    stats.connectionClosed(reason);
    listener.registry.remove(this);
    listener.idleSweeper.remove(this);
    log.closed(reason, new ConnectionLog.Totals(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - openedNanos),
      nextSequence - 1, replies.framesWritten(), bytesRead, replies.bytesWritten(), abandoned));
  }

  private void moveTo(ConnectionState next) {
    if (!state.canMoveTo(next)) {
      throw new IllegalStateException("connection " + id + ": no move from " + state + " to " + next);
    }
    state = next;
  }
}
