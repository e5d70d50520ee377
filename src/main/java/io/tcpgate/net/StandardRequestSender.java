package io.tcpgate.net;

import io.vertx.core.MultiMap;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;

/**
 * Requests through Vert.x's own {@code request()}: a temporary reply consumer and a timeout timer per request. Works
 * everywhere, also on a clustered event bus where replies come back over the wire. Vert.x's timer has the same
 * length as the connection's deadline; whichever fires first answers {@code ERR timeout}, the other finds the frame
 * answered, and Vert.x's releases its consumer.
 */
final class StandardRequestSender implements RequestSender {

  private final EventBus bus;

  StandardRequestSender(EventBus bus) {
    this.bus = bus;
  }

  @Override
  public void send(String address, Object body, MultiMap headers, long timeoutMs, ReplySlot slot) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(timeoutMs).setHeaders(headers);
    bus.request(address, body, options).onComplete((reply, failure) -> {
      if (failure == null) {
        slot.connection().replyReceived(slot, reply.body(), reply.headers());
      } else {
        slot.connection().requestFailed(slot, failure);
      }
    });
  }

  @Override
  public boolean forget(ReplySlot slot) {
    return true;
  }
}
