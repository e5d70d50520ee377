package io.tcpgate.dispatch;

import io.vertx.core.MultiMap;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;

/**
 * Requests through Vert.x's own {@code request()}: a temporary reply consumer and a timeout timer per request. Works
 * everywhere, also on a clustered event bus where replies come back over the wire. Vert.x's timer has the same
 * length as the connection's deadline; whichever fires first answers {@code ERR timeout}, the other finds the frame
 * answered, and Vert.x releases its consumer.
 */
public final class StandardRequestSender implements RequestSender {

  private final EventBus bus;

  public StandardRequestSender(EventBus bus) {
    this.bus = bus;
  }

  @Override
  public void send(String address, Object body, MultiMap headers, Request request) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(request.timeoutMs()).setHeaders(headers);
    bus.request(address, body, options).onComplete((reply, failure) -> {
      if (failure == null) {
        request.replied(reply.body(), reply.headers());
      } else {
        request.failed(failure);
      }
    });
  }

  @Override
  public boolean forget(Request request) {
    return true;
  }
}
