package io.tcpgate.dispatch;

import io.tcpgate.internal.LocalEventBus;
import io.tcpgate.internal.MessageHeaders;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Requests on a local (not clustered, not traced) event bus without Vert.x's per-request reply consumer and timer.
 * Each request carries a reply address of its own; an outbound interceptor takes a reply to such an address as the
 * worker sends it and hands it to the request on the worker's thread (the connection frames it there). The deadline
 * is the connection's: one timer per connection instead of one per request, and {@link #forget} drops a request at
 * once.
 *
 * <p>Workers receive the same message as with {@code request()}: headers, body and a reply address; {@code reply()}
 * (with or without headers, with any body its codec turns into a Buffer, String or JsonObject), {@code fail()} and a
 * consumer's discard reach the connection as before. A reply to an address this sender no longer waits for (its
 * deadline passed) goes on to Vert.x, which drops it as it drops any late reply. What differs: the reply itself does
 * not pass Vert.x's reply metrics, inbound interceptors, or outbound interceptors added after this one. On a
 * clustered event bus replies arrive from the wire without passing this node's outbound interceptors, and with a
 * tracer the reply must be delivered to end its span, so there the gateway uses {@link StandardRequestSender}.
 * The send itself goes through {@link LocalEventBus}, tcpgate's one use of Vert.x's event-bus implementation.
 */
public final class LocalRequestSender implements RequestSender, Handler<DeliveryContext<Object>> {

  /** Numbers the senders of this JVM, so that two gateways on one Vert.x never share a reply address. */
  private static final AtomicInteger SENDERS = new AtomicInteger();

  private final EventBus bus;
  private final LocalEventBus local;
  private final String prefix;
  private final AtomicLong sequence = new AtomicLong();
  private final Map<String, Request> waiting = new ConcurrentHashMap<>();

  private LocalRequestSender(EventBus bus, LocalEventBus local, String prefix) {
    this.bus = bus;
    this.local = local;
    this.prefix = prefix;
  }

  /** A sender on {@code bus}, or {@code null} when that event bus is not Vert.x's local implementation. */
  public static LocalRequestSender on(EventBus bus, String node) {
    LocalEventBus local = LocalEventBus.of(bus);
    if (local == null) {
      return null;
    }
    LocalRequestSender sender = new LocalRequestSender(bus, local,
      "__tcpgate.reply." + node + "." + SENDERS.incrementAndGet() + ".");
    bus.addOutboundInterceptor(sender);
    return sender;
  }

  @Override
  public void send(String address, Object body, MultiMap headers, Request request) {
    String replyAddress = prefix + sequence.incrementAndGet();
    request.replyAddress = replyAddress;
    waiting.put(replyAddress, request);
    Future<Void> delivered;
    try {
      delivered = local.send(address, headers, body, replyAddress);
    } catch (RuntimeException e) {
      if (waiting.remove(replyAddress, request)) {
        request.failed(e);
      }
      return;
    }
    if (delivered.succeeded()) {
      return;
    }
    delivered.onFailure(failure -> {
      if (waiting.remove(replyAddress, request)) {
        request.failed(failure);
      }
    });
  }

  @Override
  public boolean mayHaveConsumer(String address) {
    return local.hasConsumer(address);
  }

  @Override
  public boolean forget(Request request) {
    String replyAddress = request.replyAddress;
    return replyAddress != null && waiting.remove(replyAddress, request);
  }

  /** Replies waiting for their request's connection; 0 once every connection has closed. */
  @Override
  public int waiting() {
    return waiting.size();
  }

  @Override
  public void handle(DeliveryContext<Object> delivery) {
    String address = delivery.message().address();
    Request request = address.startsWith(prefix) ? waiting.remove(address) : null;
    if (request == null) {
      delivery.next();
      return;
    }
    Object body = delivery.body();
    if (!(body == null || body instanceof Buffer || body instanceof String || body instanceof JsonObject
        || body instanceof ReplyException)) {
      body = delivery.message().body();
    }
    request.replied(body, MessageHeaders.of(delivery.message()));
  }

  @Override
  public void close() {
    bus.removeOutboundInterceptor(this);
  }
}
