package io.tcpgate.bridge;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Base64;
import java.util.Map;

/**
 * The frames the bridge writes to its clients, in the Vert.x TCP event-bus bridge's wire format: a 4-byte big-endian
 * length, then the JSON document. A {@code Buffer} body travels as a base64 string (standard alphabet, padded).
 */
final class BridgeFrames {

  private static final Buffer PONG = frame(new JsonObject().put("type", "pong"));

  private BridgeFrames() {
  }

  /** A message delivered on an address the client registered, or the reply to the client's own request. */
  static Buffer message(String address, String replyAddress, MultiMap headers, Object body, boolean send) {
    JsonObject json = new JsonObject().put("type", "message").put("address", address);
    if (replyAddress != null) {
      json.put("replyAddress", replyAddress);
    }
    JsonObject headerJson = new JsonObject();
    if (headers != null) {
      for (Map.Entry<String, String> header : headers) {
        headerJson.put(header.getKey(), header.getValue());
      }
    }
    json.put("headers", headerJson);
    if (body != null) {
      json.put("body", jsonValue(body));
    }
    return frame(json.put("send", send));
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

  /** A body as JSON: JSON types as they are, a Buffer or byte array as base64, anything else as its string. */
  static Object jsonValue(Object body) {
    if (body instanceof String || body instanceof JsonObject || body instanceof JsonArray || body instanceof Number
      || body instanceof Boolean) {
      return body;
    }
    if (body instanceof Buffer) {
      return Base64.getEncoder().encodeToString(((Buffer) body).getBytes());
    }
    if (body instanceof byte[]) {
      return Base64.getEncoder().encodeToString((byte[]) body);
    }
    return String.valueOf(body);
  }

  private static Buffer frame(JsonObject json) {
    Buffer document = json.toBuffer();
    return Buffer.buffer(4 + document.length()).appendInt(document.length()).appendBuffer(document);
  }
}
