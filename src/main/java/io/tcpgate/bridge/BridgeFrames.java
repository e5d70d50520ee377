package io.tcpgate.bridge;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;


/**
 * The bridge's rare frames ({@code err}, {@code pong}), in the Vert.x TCP event-bus bridge's wire format: a 4-byte
 * big-endian length, then the JSON document. Messages, the frequent ones, are written by {@link BridgeJson}.
 */
final class BridgeFrames {

  private static final Buffer PONG = frame(new JsonObject().put("type", "pong"));

  private BridgeFrames() {
  }

  /** An error about a frame the client sent; {@code detail} says what was wrong in words. */
  static Buffer err(String message, String detail) {
    JsonObject json = new JsonObject().put("type", "err").put("message", message);
    if (detail != null) {
      json.put("detail", detail);
    }
    return frame(json);
  }

  /** The failure of the client's own request to {@code sourceAddress}, sent to the client's reply address. */
  static Buffer replyFailure(String sourceAddress, String replyAddress, ReplyException failure) {
    return frame(new JsonObject()
      .put("type", "err")
      .put("address", replyAddress)
      .put("sourceAddress", sourceAddress)
      .put("failureCode", failure.failureCode())
      .put("failureType", failure.failureType().name())
      .put("message", String.valueOf(failure.getMessage())));
  }

  static Buffer pong() {
    return PONG;
  }

  private static Buffer frame(JsonObject json) {
    Buffer document = json.toBuffer();
    return Buffer.buffer(4 + document.length()).appendInt(document.length()).appendBuffer(document);
  }
}
