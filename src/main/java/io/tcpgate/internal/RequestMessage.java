package io.tcpgate.internal;

import io.vertx.core.MultiMap;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.eventbus.impl.EventBusImpl;
import io.vertx.core.eventbus.impl.MessageImpl;

/**
 * A request the gateway sends on the local event bus. Vert.x hands every consumer a copy of a message; its copy
 * rebuilds the header map entry by entry, a fresh map of six or more entries per request. The gateway's request
 * headers belong to that request alone and are never touched by the gateway after the send, so the copy shares them:
 * the body is still copied by its codec, as Vert.x does.
 */
final class RequestMessage<U, V> extends MessageImpl<U, V> {

  RequestMessage(EventBusImpl bus, String address, MultiMap headers, U body, MessageCodec<U, V> codec) {
    super(address, headers, body, codec, true, bus);
  }

  private RequestMessage(RequestMessage<U, V> other) {
    super(other.bus);
    this.address = other.address;
    this.replyAddress = other.replyAddress;
    this.messageCodec = other.messageCodec;
    this.headers = other.headers;
    this.sentBody = other.sentBody;
    if (other.sentBody != null) {
      this.receivedBody = messageCodec.transform(other.sentBody);
    }
    this.send = other.send;
  }

  @Override
  public MessageImpl<U, V> copyBeforeReceive() {
    return new RequestMessage<>(this);
  }
}
