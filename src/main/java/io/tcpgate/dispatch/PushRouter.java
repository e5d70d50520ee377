package io.tcpgate.dispatch;

import io.tcpgate.bus.FrameCodec;
import io.tcpgate.bus.GatewayHeaders;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;

/**
 * Delivers server pushes to this node's connections: a consumer on this node's push address (the connection id
 * in a header), or one on a listener's broadcast address; a node has one of the first and one of the second per
 * listener, deployed and undeployed with it. See {@link GatewayHeaders} for the contract.
 */
public final class PushRouter extends VerticleBase {

  private final PushTargets registry;
  private final List<String> listeners;
  private final String node;

  /**
   * @param node      this node's id, to serve its push address; {@code null} for none
   * @param listeners the listeners whose broadcast addresses to serve
   */
  public PushRouter(PushTargets registry, String node, List<String> listeners) {
    this.node = node;
    this.registry = registry;
    this.listeners = listeners;
  }

  @Override
  public Future<?> start() {
    List<Future<Void>> registrations = new ArrayList<>();
    if (node != null) {
      registrations.add(vertx.eventBus().consumer(GatewayHeaders.nodePushAddress(node), this::push)
        .completion());
    }
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
    // connections with the same framing frame alike: frame once per framing, write the same bytes to each
    Map<Object, Buffer> framed = new HashMap<>(2);
    registry.forEachOf(listener, connection -> {
      Buffer bytes = payload == null ? null : framed.computeIfAbsent(connection.framing(), f -> connection.frame(payload));
      connection.context().runOnContext(v -> connection.pushFramed(bytes, close));
    });
  }
}
