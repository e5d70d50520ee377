package io.tcpgate.bridge;

import io.tcpgate.bus.GatewayHeaders;
import io.tcpgate.config.BridgeConfig;
import io.tcpgate.config.HostPort;
import io.tcpgate.framing.FrameSink;
import io.tcpgate.framing.Framer;
import io.tcpgate.framing.FramingException;
import io.tcpgate.framing.FramingSpec;
import io.tcpgate.internal.HalfClose;
import io.tcpgate.metrics.BridgeStats;
import io.vertx.core.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.DecodeException;
import io.vertx.core.net.NetSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One bridge client, and the one place that decides what each of its frames does: {@code send}, {@code publish},
 * {@code register}, {@code unregister}, {@code ping}. Confined to the event loop that accepted it; the consumers it
 * registers for the client run there too.
 *
 * <p>Frames are cut by tcpgate's length-prefixed framer, which checks the length (unsigned, at most
 * {@code maxFrameBytes}) before buffering: a frame over the limit gets {@code err frame_too_large} and the connection
 * is closed, since the stream cannot be resynchronised. A frame that is not a JSON object, or has an unknown type or
 * no address, gets an {@code err} frame and the connection stays usable: the frame's length kept the stream in step.
 *
 * <p>Writes to the client that are ready in one event-loop turn leave in one write. While the client does not read
 * (its socket's write queue is full), requests for it are failed at once ({@value #NOT_READING_CODE}) and messages
 * without reply are dropped and counted, so a stalled client cannot grow the gateway's memory. When the client goes,
 * every request it held is answered at once as having no handler.
 */
final class BridgeConnection implements FrameSink {

  /** The failure code of a request the bridge could not hand to its client (not reading, or holding too many). */
  static final int NOT_READING_CODE = 503;

  /** Writes gathered in one event-loop turn are flushed early beyond this size. */
  private static final int FLUSH_BYTES = 64 * 1024;

  private static final Logger LOG = LoggerFactory.getLogger(BridgeConnection.class);
  private static final DeliveryOptions NO_HEADERS = new DeliveryOptions();

  private final Context context;
  private final EventBus bus;
  private final NetSocket socket;
  private final BridgeConfig config;
  private final BridgeStats stats;
  private final BridgeServer server;
  private final Framer framer;
  private final PendingReplies pending;
  private final Map<String, MessageConsumer<Object>> registrations = new HashMap<>();
  private final String remote;
  private Buffer outgoing;
  private int outgoingFrames;
  private boolean flushScheduled;
  private boolean readingPaused;
  private boolean closing;
  private boolean closed;
  private long lastReadNanos = System.nanoTime();

  BridgeConnection(Vertx vertx, NetSocket socket, BridgeConfig config, BridgeStats stats, BridgeServer server) {
    this.context = vertx.getOrCreateContext();
    this.bus = vertx.eventBus();
    this.socket = socket;
    this.config = config;
    this.stats = stats;
    this.server = server;
    this.framer = FramingSpec.lengthPrefixed(4, ByteOrder.BIG_ENDIAN, false, config.maxFrameBytes()).newFramer(this);
    this.pending = new PendingReplies(stats);
    this.remote = socket.remoteAddress() == null ? "?"
      : HostPort.format(socket.remoteAddress().hostAddress(), socket.remoteAddress().port());
  }

  void start() {
    stats.connectionOpened();
    LOG.debug("bridge client {} connected", remote);
    // the client's FIN reaches the framer after its last bytes: a frame it cut short is err bad_frame, counted
    HalfClose.deliverEndOfStream(socket);
    socket.handler(this::onData);
    socket.drainHandler(v -> {
      if (readingPaused) {
        readingPaused = false;
        socket.resume();
      }
    });
    socket.exceptionHandler(e -> LOG.debug("bridge client {}: {}", remote, e.toString()));
    socket.closeHandler(v -> onClosed());
  }

  private void onData(Buffer chunk) {
    if (closing) {
      return;
    }
    lastReadNanos = System.nanoTime();
    if (chunk.length() == 0) {
      framer.end();
      return;
    }
    framer.handle(chunk);
  }

  @Override
  public void onFrame(Buffer frame) {
    if (closing) {
      return;
    }
    stats.frameIn(frame.length() + 4);
    BridgeJson.ClientFrame json;
    try {
      json = BridgeJson.read(frame);
    } catch (DecodeException e) {
      rejected(BridgeStats.Error.BAD_JSON, "invalid_json", e.getMessage());
      return;
    }
    String type = json.type;
    if ("ping".equals(type)) {
      enqueue(BridgeFrames.pong());
      return;
    }
    if (type == null || !isKnown(type)) {
      rejected(BridgeStats.Error.UNKNOWN_TYPE, "unknown_type", "type must be one of send, publish, register,"
        + " unregister, ping (got " + type + ")");
      return;
    }
    String address = json.address;
    if (address == null || address.isEmpty()) {
      rejected(BridgeStats.Error.MISSING_ADDRESS, "missing_address", "a " + type + " frame needs an address");
      return;
    }
    try {
      switch (type) {
        case "send":
          onSend(address, json);
          break;
        case "publish":
          onPublish(address, json);
          break;
        case "register":
          onRegister(address);
          break;
        case "unregister":
          onUnregister(address);
          break;
        default:
          break;
      }
    } catch (IllegalArgumentException e) {
      // the event bus refused the frame's body or headers (no codec for them): the frame fails, the stream goes on
      rejected(BridgeStats.Error.BAD_BODY, "invalid_body", String.valueOf(e.getMessage()));
    }
  }

  private static boolean isKnown(String type) {
    return type.equals("send") || type.equals("publish") || type.equals("register") || type.equals("unregister");
  }

  private void onSend(String address, BridgeJson.ClientFrame json) {
    Message<?> request = pending.take(address);
    if (request != null) {
      if (json.failureCode != null) {
        request.fail(json.failureCode, json.message == null ? "" : json.message);
      } else {
        request.reply(busBody(json.body), deliveryOptions(json));
      }
      return;
    }
    if (!config.inboundAllowed(address)) {
      rejected(BridgeStats.Error.ACCESS_DENIED, "access_denied", "sending to '" + address + "' is not permitted");
      return;
    }
    String replyAddress = json.replyAddress;
    if (replyAddress == null) {
      bus.send(address, busBody(json.body), deliveryOptions(json));
      return;
    }
    DeliveryOptions options = new DeliveryOptions(deliveryOptions(json))
      .setSendTimeout(json.timeout > 0 ? json.timeout : config.requestTimeoutMs());
    bus.request(address, busBody(json.body), options).onComplete((reply, failure) -> {
      if (closed) {
        if (failure == null && reply.replyAddress() != null) {
          reply.reply(new ReplyException(ReplyFailure.NO_HANDLERS, "bridge client " + remote + " is gone"));
        }
        return;
      }
      if (failure == null) {
        String next = reply.replyAddress();
        if (next != null && pending.size() >= config.maxPendingReplies()) {
          refuseOrDrop(reply, true, "bridge client " + remote + " holds " + pending.size() + " requests");
          next = null;
        }
        enqueueMessage(replyAddress, next, reply.headers(), reply.body(), true);
        if (next != null) {
          pending.add(reply, System.currentTimeMillis() + config.requestTimeoutMs());
        }
      } else {
        ReplyException cause = failure instanceof ReplyException ? (ReplyException) failure
          : new ReplyException(ReplyFailure.RECIPIENT_FAILURE, String.valueOf(failure.getMessage()));
        enqueue(BridgeFrames.replyFailure(address, replyAddress, cause));
      }
    });
  }

  /** A body from JSON as the event bus carries it: numbers it has no codec for (beyond long, double) as text. */
  private static Object busBody(Object body) {
    if (body instanceof Number && !(body instanceof Integer || body instanceof Long || body instanceof Double)) {
      return body.toString();
    }
    return body;
  }

  private void onPublish(String address, BridgeJson.ClientFrame json) {
    if (!config.inboundAllowed(address)) {
      rejected(BridgeStats.Error.ACCESS_DENIED, "access_denied", "publishing to '" + address + "' is not permitted");
      return;
    }
    bus.publish(address, busBody(json.body), deliveryOptions(json));
  }

  private void onRegister(String address) {
    if (!config.outboundAllowed(address)) {
      rejected(BridgeStats.Error.ACCESS_DENIED, "access_denied", "registering for '" + address + "' is not"
        + " permitted");
      return;
    }
    if (registrations.containsKey(address)) {
      return;
    }
    registrations.put(address, bus.consumer(address, this::deliver));
    stats.registered(1);
    LOG.debug("bridge client {} registered for '{}'", remote, address);
  }

  private void onUnregister(String address) {
    if (!config.outboundAllowed(address)) {
      rejected(BridgeStats.Error.ACCESS_DENIED, "access_denied", "'" + address + "' is not permitted");
      return;
    }
    MessageConsumer<Object> consumer = registrations.remove(address);
    if (consumer == null) {
      rejected(BridgeStats.Error.UNKNOWN_ADDRESS, "unknown_address", "not registered for '" + address + "'");
      return;
    }
    consumer.unregister();
    stats.registered(-1);
  }

  /**
   * The delivery options of a client frame's headers (each value as text), shared and never changed when there are
   * none; {@code timeout} is a header like any other here, it sets the send timeout of the client's own requests.
   */
  private static DeliveryOptions deliveryOptions(BridgeJson.ClientFrame json) {
    if (json.headers == null || json.headers.isEmpty()) {
      return NO_HEADERS;
    }
    DeliveryOptions options = new DeliveryOptions();
    for (Map.Entry<String, String> header : json.headers.entrySet()) {
      options.addHeader(header.getKey(), header.getValue());
    }
    return options;
  }

  /** A message on an address the client registered. */
  private void deliver(Message<Object> message) {
    boolean request = message.replyAddress() != null && message.isSend();
    if (closing) {
      if (request) {
        message.reply(new ReplyException(ReplyFailure.NO_HANDLERS, "bridge client " + remote + " is gone"));
      }
      return;
    }
    if (socket.writeQueueFull()) {
      refuseOrDrop(message, request, "bridge client " + remote + " is not reading");
      return;
    }
    if (request && pending.size() >= config.maxPendingReplies()) {
      refuseOrDrop(message, true, "bridge client " + remote + " holds " + pending.size() + " requests");
      return;
    }
    try {
      enqueueMessage(message.address(), request ? message.replyAddress() : null, message.headers(), message.body(),
        message.isSend());
    } catch (RuntimeException e) {
      LOG.debug("bridge client {}: a message to '{}' cannot be written as JSON: {}", remote, message.address(),
        e.toString());
      if (request) {
        message.fail(500, "the message cannot be written as JSON for the bridge: " + e.getMessage());
      } else {
        stats.dropped();
      }
      return;
    }
    if (request) {
      pending.add(message, deadlineMillis(message.headers()));
    }
  }

  private void refuseOrDrop(Message<Object> message, boolean request, String why) {
    if (request) {
      stats.refused();
      message.fail(NOT_READING_CODE, why);
    } else {
      stats.dropped();
    }
  }

  /** When the sender stops waiting: its {@code tcpgate-deadline}, or the bridge's request timeout from now. */
  private long deadlineMillis(MultiMap headers) {
    String deadline = headers.get(GatewayHeaders.DEADLINE);
    if (deadline != null) {
      try {
        return Long.parseLong(deadline);
      } catch (NumberFormatException e) {
        // not a tcpgate request after all
      }
    }
    long now = System.currentTimeMillis();
    return config.requestTimeoutMs() > Long.MAX_VALUE - now ? Long.MAX_VALUE : now + config.requestTimeoutMs();
  }

  private void rejected(BridgeStats.Error error, String message, String detail) {
    stats.error(error);
    LOG.debug("bridge client {}: {} ({})", remote, message, detail);
    enqueue(BridgeFrames.err(message, detail));
  }

  @Override
  public void onFramingError(FramingException error) {
    boolean tooLarge = error.kind() == FramingException.Kind.FRAME_TOO_LARGE;
    stats.error(tooLarge ? BridgeStats.Error.FRAME_TOO_LARGE : BridgeStats.Error.BAD_FRAME);
    LOG.debug("bridge client {}: {}", remote, error.getMessage());
    enqueue(BridgeFrames.err(tooLarge ? "frame_too_large" : "bad_frame", error.getMessage()));
    closeAfterWrites();
  }

  @Override
  public void onEndOfStream() {
    closeAfterWrites();
  }

  private void enqueue(Buffer frame) {
    if (closed) {
      return;
    }
    if (outgoing == null) {
      outgoing = Buffer.buffer(Math.max(256, frame.length() * 2));
    }
    outgoing.appendBuffer(frame);
    queued();
  }

  private void enqueueMessage(String address, String replyAddress, MultiMap headers, Object body, boolean send) {
    if (closed) {
      return;
    }
    if (outgoing == null) {
      outgoing = Buffer.buffer(1024);
    }
    BridgeJson.appendMessage(outgoing, address, replyAddress, headers, body, send);
    queued();
  }

  private void queued() {
    outgoingFrames++;
    if (outgoing.length() >= FLUSH_BYTES) {
      flush();
    } else if (!flushScheduled) {
      flushScheduled = true;
      context.runOnContext(v -> {
        flushScheduled = false;
        flush();
      });
    }
  }

  private void flush() {
    if (outgoing == null || closed) {
      return;
    }
    stats.framesOut(outgoingFrames, outgoing.length());
    socket.write(outgoing);
    outgoing = null;
    outgoingFrames = 0;
    if (socket.writeQueueFull() && !readingPaused) {
      // the client does not read what it is sent: stop reading what it sends (pongs, errs and the replies to its
      // own requests would otherwise pile up in the gateway) until its socket drains
      readingPaused = true;
      socket.pause();
    }
  }

  private void closeAfterWrites() {
    if (closing) {
      return;
    }
    closing = true;
    flush();
    socket.end();
  }

  /** Closes the connection for having been idle, and forgets requests nobody waits for; from the server's sweep. */
  void sweep(long nowNanos, long nowMillis, long idleNanos) {
    pending.expire(nowMillis);
    if (!closing && nowNanos - lastReadNanos >= idleNanos) {
      LOG.debug("bridge client {} idle for {} s, closing", remote, TimeUnit.NANOSECONDS.toSeconds(idleNanos));
      closing = true;
      socket.close();
    }
  }

  private void onClosed() {
    if (closed) {
      return;
    }
    closing = true;
    closed = true;
    for (MessageConsumer<Object> consumer : registrations.values()) {
      consumer.unregister();
    }
    stats.registered(-registrations.size());
    registrations.clear();
    pending.failAll("bridge client " + remote + " disconnected");
    outgoing = null;
    server.remove(this);
    stats.connectionClosed();
    LOG.debug("bridge client {} disconnected", remote);
  }
}
