package io.tcpgate.dispatch;

import io.tcpgate.bus.FrameCodec;
import io.tcpgate.bus.GatewayHeaders;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;

import java.util.ArrayList;
import java.util.List;

/**
 * Delivers server pushes to this node's connections: one consumer on this node's push address (the connection id
 * in a header) and one per listener on its broadcast address. See {@link GatewayHeaders} for the contract.
 */
public final class PushRouter extends VerticleBase {

  private final PushTargets registry;
  private final List<String> listeners;
  private final String node;

  public PushRouter(PushTargets registry, String node, List<String> listeners) {
    this.node = node;
    this.registry = registry;
    this.listeners = listeners;
  }

  @Override
  public Future<?> start() {
    List<Future<Void>> registrations = new ArrayList<>();
    registrations.add(vertx.eventBus().consumer(GatewayHeaders.nodePushAddress(node), this::push)
      .completion());
    for (String listener : listeners) {
      registrations.add(vertx.eventBus().consumer(GatewayHeaders.broadcastAddress(listener),
        message -> broadcast(listener, message)).completion());
    }
    return Future.all(registrations);
  }

  private void push(Message<Object> message) {
    String id = message.headers().get(GatewayHeaders.CONNECTION_ID);
    PushTarget connection = registry.get(id);
    if (connection == null) {
      message.fail(GatewayHeaders.NO_CONNECTION, "no connection " + id + " on this node");
      return;
    }
    Buffer payload;
    try {
      payload = FrameCodec.replyBytes(message.body());
    } catch (IllegalArgumentException e) {
      message.fail(400, e.getMessage());
      return;
    }
    boolean close = GatewayHeaders.wantsClose(message.headers());
    Buffer bytes = payload == null ? null : connection.frame(payload);
    connection.context().runOnContext(v -> connection.pushFramed(bytes, close).onComplete(ar -> {
      if (ar.succeeded()) {
        message.reply("ok");
      } else if (ar.cause() instanceof ReplyException) {
        message.fail(((ReplyException) ar.cause()).failureCode(), ar.cause().getMessage());
      } else {
        message.fail(500, String.valueOf(ar.cause().getMessage()));
      }
    }));
  }

  private void broadcast(String listener, Message<Object> message) {
    Buffer payload;
    try {
      payload = FrameCodec.replyBytes(message.body());
    } catch (IllegalArgumentException e) {
      return;
    }
    boolean close = GatewayHeaders.wantsClose(message.headers());
    // every connection of a listener frames alike: frame once, write the same bytes to each
    Buffer[] framed = new Buffer[1];
    registry.forEachOf(listener, connection -> {
      if (framed[0] == null && payload != null) {
        framed[0] = connection.frame(payload);
      }
      Buffer bytes = framed[0];
      connection.context().runOnContext(v -> connection.pushFramed(bytes, close));
    });
  }
}
