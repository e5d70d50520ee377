package io.tcpgate.dispatch;

import io.tcpgate.bus.FrameCodec;
import io.tcpgate.bus.GatewayHeaders;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;

import java.util.HashMap;
import java.util.Map;

/**
 * Delivers server pushes to this node's connections: a consumer on this node's push address (the connection id
 * in a header), or one on a listener's broadcast address; a node has one of the first and one of the second per
 * listener, deployed and undeployed with it. See {@link GatewayHeaders} for the contract.
 */
public final class PushRouter extends VerticleBase {

  private final PushTargets registry;
  private final String node;
  private final String listener;

  private PushRouter(PushTargets registry, String node, String listener) {
    this.registry = registry;
    this.node = node;
    this.listener = listener;
  }

  /** The router of pushes to this node's connections, on the push address of {@code node}. */
  public static PushRouter forNode(PushTargets registry, String node) {
    return new PushRouter(registry, node, null);
  }

  /** The router of broadcasts to {@code listener}'s connections. */
  public static PushRouter forListener(PushTargets registry, String listener) {
    return new PushRouter(registry, null, listener);
  }

  @Override
  public Future<?> start() {
    if (node != null) {
      return vertx.eventBus().consumer(GatewayHeaders.nodePushAddress(node), this::push).completion();
    }
    return vertx.eventBus().consumer(GatewayHeaders.broadcastAddress(listener),
      message -> broadcast(listener, message)).completion();
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
