package io.tcpgate.net;

import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.impl.EventBusImpl;
import io.vertx.core.eventbus.impl.MessageImpl;
import io.vertx.core.eventbus.impl.OutboundDeliveryContext;
import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Requests on a local (not clustered, not traced) event bus without Vert.x's per-request reply consumer and timer.
 * Each request carries a reply address of its own; an outbound interceptor takes a reply to such an address as the
 * worker sends it, turns it into the frame's bytes on the worker's thread and hands those to the connection. The
 * deadline is the connection's: one timer per connection instead of one per request, and {@link #forget} drops a
 * request at once.
 *
 * <p>Workers receive the same message as with {@code request()}: headers, body and a reply address; {@code reply()}
 * (with or without headers, with any body its codec turns into a Buffer, String or JsonObject), {@code fail()} and a
 * consumer's discard reach the connection as before. A reply to an address this sender no longer waits for (its
 * deadline passed) goes on to Vert.x, which drops it as it drops any late reply. What differs: the reply itself does
 * not pass Vert.x's reply metrics, inbound interceptors, or outbound interceptors added after this one. On a
 * clustered event bus replies arrive from the wire without passing this node's outbound interceptors, and with a
 * tracer the reply must be delivered to end its span, so there the gateway uses {@link StandardRequestSender}.
 *
 * <p>This builds on Vert.x's event-bus implementation classes: {@code EventBusImpl.createMessage},
 * {@code newSendContext} and {@code sendOrPubInternal}, {@code MessageImpl.setReplyAddress} and the
 * {@code OutboundDeliveryContext.writePromise} field; {@code request()} takes the same steps and adds its reply
 * handler. A Vert.x upgrade that changes them fails the event-bus contract tests, which run on this path.
 */
final class LocalRequestSender implements RequestSender, Handler<DeliveryContext<Object>> {

  /** Numbers the senders of this JVM, so that two gateways on one Vert.x never share a reply address. */
  private static final AtomicInteger SENDERS = new AtomicInteger();

  private final EventBusImpl bus;
  private final String prefix;
  private final AtomicLong sequence = new AtomicLong();
  private final Map<String, ReplySlot> waiting = new ConcurrentHashMap<>();
  private final DeliveryOptions options = new DeliveryOptions();

  private LocalRequestSender(EventBusImpl bus, String prefix) {
    this.bus = bus;
    this.prefix = prefix;
  }

  /** A sender on {@code bus}, or {@code null} when that event bus is not Vert.x's local implementation. */
  static LocalRequestSender on(EventBus bus, String node) {
    if (bus.getClass() != EventBusImpl.class) {
      return null;
    }
    LocalRequestSender sender = new LocalRequestSender((EventBusImpl) bus,
      "__tcpgate.reply." + node + "." + SENDERS.incrementAndGet() + ".");
    bus.addOutboundInterceptor(sender);
    return sender;
  }

  @Override
  public void send(String address, Object body, MultiMap headers, long timeoutMs, ReplySlot slot) {
    String replyAddress = prefix + sequence.incrementAndGet();
    slot.replyAddress(replyAddress);
    waiting.put(replyAddress, slot);
    OutboundDeliveryContext<Object> delivery;
    try {
      MessageImpl<?, ?> message = bus.createMessage(true, true, address, headers, body, null);
      message.setReplyAddress(replyAddress);
      delivery = bus.newSendContext(message, options, null);
      bus.sendOrPubInternal(delivery);
    } catch (RuntimeException e) {
      if (waiting.remove(replyAddress, slot)) {
        slot.connection().requestFailed(slot, e);
      }
      return;
    }
    delivery.writePromise.future().onFailure(failure -> {
      if (waiting.remove(replyAddress, slot)) {
        slot.connection().requestFailed(slot, failure);
      }
    });
  }

  @Override
  public boolean forget(ReplySlot slot) {
    return waiting.remove(slot.replyAddress(), slot);
  }

  /** Replies waiting for their request's connection; 0 once every connection has closed. */
  @Override
  public int waiting() {
    return waiting.size();
  }

  @Override
  public void handle(DeliveryContext<Object> delivery) {
    String address = delivery.message().address();
    ReplySlot slot = address.startsWith(prefix) ? waiting.remove(address) : null;
    if (slot == null) {
      delivery.next();
      return;
    }
    Object body = delivery.body();
    if (!(body == null || body instanceof Buffer || body instanceof String || body instanceof JsonObject
        || body instanceof ReplyException)) {
      body = delivery.message().body();
    }
    slot.connection().replyReceived(slot, body, delivery.message().headers());
  }

  @Override
  public void close() {
    bus.removeOutboundInterceptor(this);
  }
}
