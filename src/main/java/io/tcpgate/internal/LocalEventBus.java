package io.tcpgate.internal;

import java.util.concurrent.ConcurrentMap;
import java.lang.invoke.VarHandle;
import java.lang.invoke.MethodHandles;
import io.vertx.core.impl.utils.ConcurrentCyclicSequence;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.eventbus.impl.EventBusImpl;
import io.vertx.core.eventbus.impl.MessageImpl;
import io.vertx.core.eventbus.impl.OutboundDeliveryContext;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Sends a point-to-point message that carries a reply address of the caller's choosing, on Vert.x's local event-bus
 * implementation: the steps {@code EventBus.request()} takes, without its temporary reply consumer and timer, and
 * with a {@link RequestMessage} whose copy for the consumer shares its headers. Uses
 * {@code EventBusImpl.createMessage} (once per body class, for its codec), {@code newSendContext} and
 * {@code sendOrPubInternal}, {@code MessageImpl}'s constructors, fields and {@code setReplyAddress}, and the
 * {@code OutboundDeliveryContext.writePromise} field.
 */
public final class LocalEventBus {

  private static final DeliveryOptions OPTIONS = new DeliveryOptions();

  private static final VarHandle HANDLERS;

  static {
    try {
      HANDLERS = MethodHandles.privateLookupIn(EventBusImpl.class,
          MethodHandles.lookup())
        .findVarHandle(EventBusImpl.class, "handlerMap", ConcurrentMap.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final EventBusImpl bus;
  private final Map<Class<?>, MessageCodec<?, ?>> codecs = new ConcurrentHashMap<>();

  private LocalEventBus(EventBusImpl bus) {
    this.bus = bus;
  }

  /** Whether a consumer is registered for {@code address} on this event bus now (reads {@code handlerMap}). */
  public boolean hasConsumer(String address) {
    Map<?, ?> handlers = (Map<?, ?>) HANDLERS.get(bus);
    Object sequence = handlers.get(address);
    return sequence instanceof ConcurrentCyclicSequence
      && ((ConcurrentCyclicSequence<?>) sequence).size() > 0;
  }

  /** {@code bus} as a local event bus, or {@code null} when it is not Vert.x's local implementation. */
  public static LocalEventBus of(EventBus bus) {
    return bus.getClass() == EventBusImpl.class ? new LocalEventBus((EventBusImpl) bus) : null;
  }

  /**
   * Sends {@code body} with {@code headers} to {@code address}; the receiver's reply goes to {@code replyAddress}.
   *
   * @return completes when the message was handed to a consumer, fails when none takes it (no handler, a full
   *         queue); a body no codec can carry throws at once
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public Future<Void> send(String address, MultiMap headers, Object body, String replyAddress) {
    MessageCodec codec = body == null ? null : codecs.get(body.getClass());
    if (codec == null) {
      codec = bus.createMessage(true, true, address, null, body, null).codec();
      if (body != null) {
        codecs.put(body.getClass(), codec);
      }
    }
    MessageImpl<?, ?> message = new RequestMessage(bus, address, headers, body, codec);
    message.setReplyAddress(replyAddress);
    OutboundDeliveryContext<?> delivery = bus.newSendContext(message, OPTIONS, null);
    bus.sendOrPubInternal(delivery);
    return delivery.writePromise.future();
  }
}
