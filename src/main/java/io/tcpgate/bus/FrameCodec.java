package io.tcpgate.bus;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;

/** Turns frames into event-bus bodies and reply bodies back into bytes. */
public final class FrameCodec {

  private FrameCodec() {
  }

  /**
   * The request body for {@code frame}.
   *
   * @throws IllegalArgumentException when the listener wants JSON and the frame is not a JSON object
   */
  public static Object requestBody(BodyType type, Buffer frame) {
    switch (type) {
      case BUFFER:
        return frame;
      case STRING:
        return frame.toString(StandardCharsets.UTF_8);
      case JSON:
        try {
          Object value = frame.toJsonValue();
          if (value instanceof JsonObject) {
            return value;
          }
        } catch (RuntimeException e) {
          throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
        }
        throw new IllegalArgumentException("not a JSON object");
      default:
        throw new IllegalStateException("unsupported body type " + type);
    }
  }

  /**
   * The bytes of a reply body, or {@code null} when there is nothing to write: a Buffer as it is, a String in UTF-8,
   * a JsonObject or JsonArray as its JSON text, a number or boolean as its text ({@code 42}, {@code 2.5},
   * {@code true}), as workers behind the event-bus bridge reply with any JSON value.
   *
   * @throws IllegalArgumentException for body types that cannot be written
   */
  public static Buffer replyBytes(Object body) {
    if (body == null) {
      return null;
    }
    if (body instanceof Buffer) {
      return (Buffer) body;
    }
    if (body instanceof String) {
      return Buffer.buffer((String) body, "UTF-8");
    }
    if (body instanceof JsonObject) {
      return ((JsonObject) body).toBuffer();
    }
    if (body instanceof JsonArray) {
      return ((JsonArray) body).toBuffer();
    }
    if (body instanceof byte[]) {
      return Buffer.buffer((byte[]) body);
    }
    if (body instanceof Number || body instanceof Boolean || body instanceof Character) {
      return Buffer.buffer(body.toString(), "UTF-8");
    }
    throw new IllegalArgumentException("reply body of type " + body.getClass().getName() + " cannot be written"
      + " (use Buffer, String, JsonObject, JsonArray, a number or a boolean)");
  }
}
