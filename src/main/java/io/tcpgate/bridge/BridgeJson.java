package io.tcpgate.bridge;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The bridge's JSON, written and read with Jackson's streaming API: a frame is encoded straight into the bytes that
 * go on the wire, and a client's frame is read field by field, without building a {@link JsonObject} per message (a
 * message carries six headers: a tree per message cost more than the rest of the bridge's work).
 */
final class BridgeJson {

  private static final JsonFactory FACTORY = new JsonFactory();
  private static final ThreadLocal<Bytes> SCRATCH = ThreadLocal.withInitial(Bytes::new);

  private BridgeJson() {
  }

  /** A frame a client sent, as far as the bridge reads it. */
  static final class ClientFrame {
    /** The {@code type}: a string, or {@code null} when absent or not a string. */
    String type;
    /** The {@code address} when it is a string. */
    String address;
    String replyAddress;
    /** The {@code failureCode} when it is a number. */
    Integer failureCode;
    String message;
    /** The headers, each value as text; {@code null} when none. */
    Map<String, String> headers;
    /** The {@code timeout} header when it is a number, else -1. */
    long timeout = -1;
    /** The body as a Java value: String, Integer, Long, BigInteger, Double, BigDecimal, Boolean, JsonObject, JsonArray. */
    Object body;
  }

  /** Reads a client's frame; throws {@link DecodeException} when it is not one JSON object. */
  static ClientFrame read(Buffer frame) {
    byte[] bytes = frame.getBytes();
    ClientFrame out = new ClientFrame();
    try (JsonParser parser = FACTORY.createParser(bytes)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw new DecodeException("a frame must be one JSON object");
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        JsonToken token = parser.nextToken();
        switch (field) {
          case "type":
            out.type = token == JsonToken.VALUE_STRING ? parser.getText() : null;
            break;
          case "address":
            out.address = token == JsonToken.VALUE_STRING ? parser.getText() : null;
            break;
          case "replyAddress":
            out.replyAddress = token == JsonToken.VALUE_STRING ? parser.getText() : null;
            break;
          case "message":
            out.message = token == JsonToken.VALUE_STRING ? parser.getText() : null;
            break;
          case "failureCode":
            out.failureCode = token.isNumeric() ? parser.getIntValue() : null;
            break;
          case "headers":
            readHeaders(parser, token, out);
            break;
          case "body":
            out.body = readValue(parser, token, bytes);
            break;
          default:
            parser.skipChildren();
            break;
        }
      }
      if (parser.currentToken() != JsonToken.END_OBJECT || parser.nextToken() != null) {
        throw new DecodeException("a frame must be one JSON object, with nothing after it");
      }
    } catch (IOException e) {
      throw new DecodeException(e.getMessage());
    }
    return out;
  }

  private static void readHeaders(JsonParser parser, JsonToken token, ClientFrame out) throws IOException {
    if (token != JsonToken.START_OBJECT) {
      parser.skipChildren();
      return;
    }
    out.headers = new LinkedHashMap<>();
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String name = parser.currentName();
      JsonToken value = parser.nextToken();
      if (value.isScalarValue() && value != JsonToken.VALUE_NULL) {
        out.headers.put(name, parser.getText());
        if ("timeout".equals(name) && value.isNumeric()) {
          out.timeout = parser.getLongValue();
        }
      } else {
        parser.skipChildren();
      }
    }
  }

  private static Object readValue(JsonParser parser, JsonToken token, byte[] bytes) throws IOException {
    switch (token) {
      case VALUE_STRING:
        return parser.getText();
      case VALUE_NUMBER_INT:
        return parser.getNumberValue();
      case VALUE_NUMBER_FLOAT:
        return parser.getNumberType() == JsonParser.NumberType.BIG_DECIMAL ? parser.getDecimalValue()
          : parser.getDoubleValue();
      case VALUE_TRUE:
        return Boolean.TRUE;
      case VALUE_FALSE:
        return Boolean.FALSE;
      case START_OBJECT:
      case START_ARRAY: {
        int start = (int) parser.currentTokenLocation().getByteOffset();
        parser.skipChildren();
        int end = (int) parser.currentLocation().getByteOffset();
        Buffer text = Buffer.buffer(Arrays.copyOfRange(bytes, start, end));
        return token == JsonToken.START_OBJECT ? new JsonObject(text) : new JsonArray(text);
      }
      default:
        return null;
    }
  }

  /** Appends a {@code message} frame (length, then JSON) to {@code out}. */
  static void appendMessage(Buffer out, String address, String replyAddress, MultiMap headers, Object body,
                            boolean send) {
    Bytes scratch = SCRATCH.get().reset();
    try (JsonGenerator json = FACTORY.createGenerator(scratch)) {
      json.writeStartObject();
      json.writeStringField("type", "message");
      json.writeStringField("address", address);
      if (replyAddress != null) {
        json.writeStringField("replyAddress", replyAddress);
      }
      json.writeObjectFieldStart("headers");
      if (headers != null) {
        for (Map.Entry<String, String> header : headers) {
          json.writeStringField(header.getKey(), header.getValue());
        }
      }
      json.writeEndObject();
      if (body != null) {
        json.writeFieldName("body");
        writeValue(json, body);
      }
      json.writeBooleanField("send", send);
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.appendInt(scratch.count).appendBytes(scratch.bytes, 0, scratch.count);
  }

  /** A body as JSON: JSON types as they are, a Buffer or byte array as base64 (standard alphabet, padded). */
  private static void writeValue(JsonGenerator json, Object body) throws IOException {
    if (body instanceof String) {
      json.writeString((String) body);
    } else if (body instanceof Buffer) {
      json.writeBinary(((Buffer) body).getBytes());
    } else if (body instanceof byte[]) {
      json.writeBinary((byte[]) body);
    } else if (body instanceof Integer || body instanceof Long || body instanceof Short || body instanceof Byte) {
      json.writeNumber(((Number) body).longValue());
    } else if (body instanceof Double || body instanceof Float) {
      json.writeNumber(((Number) body).doubleValue());
    } else if (body instanceof BigInteger) {
      json.writeNumber((BigInteger) body);
    } else if (body instanceof BigDecimal) {
      json.writeNumber((BigDecimal) body);
    } else if (body instanceof Boolean) {
      json.writeBoolean((Boolean) body);
    } else if (body instanceof JsonObject) {
      json.writeRawValue(((JsonObject) body).encode());
    } else if (body instanceof JsonArray) {
      json.writeRawValue(((JsonArray) body).encode());
    } else {
      json.writeString(String.valueOf(body));
    }
  }

  /** A growable byte array, reused per thread. */
  private static final class Bytes extends OutputStream {
    private byte[] bytes = new byte[512];
    private int count;

    Bytes reset() {
      count = 0;
      if (bytes.length > 1 << 20) {
        bytes = new byte[512];
      }
      return this;
    }

    @Override
    public void write(int b) {
      ensure(1);
      bytes[count++] = (byte) b;
    }

    @Override
    public void write(byte[] source, int offset, int length) {
      ensure(length);
      System.arraycopy(source, offset, bytes, count, length);
      count += length;
    }

    private void ensure(int more) {
      if (count + more > bytes.length) {
        bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, count + more));
      }
    }
  }
}
