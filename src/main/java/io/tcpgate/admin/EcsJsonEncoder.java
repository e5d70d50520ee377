package io.tcpgate.admin;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import org.slf4j.event.KeyValuePair;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes each log event as one JSON object per line with the field names of the
 * <a href="https://www.elastic.co/guide/en/ecs/8.11/index.html">Elastic Common Schema</a> 8.11, dotted names kept flat
 * at the top level (as ECS allows and as ecs-logging-java writes them):
 * <pre>{@code
 * {"@timestamp":"2026-11-29T14:03:07.123Z","log.level":"INFO","message":"...","ecs.version":"8.11.0",
 *  "service.name":"tcpgate","log.logger":"io.tcpgate.Main","process.thread.name":"main"}
 * }</pre>
 * An exception adds {@code error.type} (its class), {@code error.message} (when it has one) and
 * {@code error.stack_trace} (with its causes). Every SLF4J key-value pair of the event
 * ({@code log.atInfo().addKeyValue("listener", "echo").log(...)}) and every MDC entry becomes a top-level field under
 * its own key: strings, numbers and booleans as such, {@code null} as null, anything else as its {@code toString()}.
 * A key-value pair wins over an MDC entry of the same key, a later pair over an earlier one; a key that names one of
 * the fields above is left out, so every line has each key once (Elasticsearch rejects duplicate keys).
 *
 * <p>Thread-safe and stateless apart from a cache of the current second's timestamp text: appenders call
 * {@link #encode} from many threads at once. One {@link StringBuilder} per event, no reflection.
 */
public final class EcsJsonEncoder extends EncoderBase<ILoggingEvent> {

  /** The ECS version whose field names this encoder writes ({@code ecs.version}). */
  public static final String ECS_VERSION = "8.11.0";
  /** {@code service.name} of every line. */
  public static final String SERVICE_NAME = "tcpgate";

  private static final String[] RESERVED = {"@timestamp", "log.level", "message", "ecs.version", "service.name",
    "log.logger", "process.thread.name", "error.type", "error.message", "error.stack_trace"};
  private static final char[] HEX = "0123456789abcdef".toCharArray();
  private static final DateTimeFormatter SECOND = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.", Locale.ROOT);

  /** "2026-11-29T14:03:07." for the epoch second last formatted; replaced whole, so readers never see it torn. */
  private volatile Second second = new Second(Long.MIN_VALUE, "");

  @Override
  public byte[] headerBytes() {
    return null;
  }

  @Override
  public byte[] footerBytes() {
    return null;
  }

  @Override
  public byte[] encode(ILoggingEvent event) {
    String message = event.getFormattedMessage();
    StringBuilder json = new StringBuilder(256 + (message == null ? 0 : message.length()));
    json.append("{\"@timestamp\":\"");
    appendTimestamp(json, event.getTimeStamp());
    json.append("\",\"log.level\":\"").append(event.getLevel()).append('"');
    json.append(",\"message\":");
    appendString(json, message);
    json.append(",\"ecs.version\":\"" + ECS_VERSION + "\",\"service.name\":\"" + SERVICE_NAME + "\"");
    json.append(",\"log.logger\":");
    appendString(json, event.getLoggerName());
    json.append(",\"process.thread.name\":");
    appendString(json, event.getThreadName());
    IThrowableProxy error = event.getThrowableProxy();
    if (error != null) {
      appendError(json, error);
    }
    List<KeyValuePair> pairs = event.getKeyValuePairs();
    if (pairs != null) {
      for (int i = 0; i < pairs.size(); i++) {
        KeyValuePair pair = pairs.get(i);
        if (pair.key != null && !isReserved(pair.key) && !named(pairs, i + 1, pair.key)) {
          json.append(',');
          appendString(json, pair.key);
          json.append(':');
          appendValue(json, pair.value);
        }
      }
    }
    Map<String, String> mdc = event.getMDCPropertyMap();
    if (mdc != null) {
      for (Map.Entry<String, String> entry : mdc.entrySet()) {
        String key = entry.getKey();
        if (key != null && !isReserved(key) && (pairs == null || !named(pairs, 0, key))) {
          json.append(',');
          appendString(json, key);
          json.append(':');
          appendString(json, entry.getValue());
        }
      }
    }
    json.append("}\n");
    return json.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void appendError(StringBuilder json, IThrowableProxy error) {
    json.append(",\"error.type\":");
    appendString(json, error.getClassName());
    if (error.getMessage() != null) {
      json.append(",\"error.message\":");
      appendString(json, error.getMessage());
    }
    String trace = ThrowableProxyUtil.asString(error);
    int end = trace.length();
    while (end > 0 && (trace.charAt(end - 1) == '\n' || trace.charAt(end - 1) == '\r')) {
      end--;
    }
    json.append(",\"error.stack_trace\":");
    appendString(json, trace, end);
  }

  private static boolean isReserved(String key) {
    for (String reserved : RESERVED) {
      if (reserved.equals(key)) {
        return true;
      }
    }
    return false;
  }

  /** Whether a pair from index {@code from} on has {@code key}: a handful of pairs at most, no set needed. */
  private static boolean named(List<KeyValuePair> pairs, int from, String key) {
    for (int i = from; i < pairs.size(); i++) {
      if (key.equals(pairs.get(i).key)) {
        return true;
      }
    }
    return false;
  }

  /** ISO-8601 in UTC with exactly three fraction digits: {@code 2026-11-29T14:03:07.123Z}. */
  private void appendTimestamp(StringBuilder json, long epochMillis) {
    long epochSecond = Math.floorDiv(epochMillis, 1000L);
    int millis = (int) Math.floorMod(epochMillis, 1000L);
    Second cached = second;
    if (cached.epochSecond != epochSecond) {
      cached = new Second(epochSecond, SECOND.format(LocalDateTime.ofEpochSecond(epochSecond, 0, ZoneOffset.UTC)));
      second = cached;
    }
    json.append(cached.text);
    json.append((char) ('0' + millis / 100)).append((char) ('0' + millis / 10 % 10)).append((char) ('0' + millis % 10));
    json.append('Z');
  }

  private static void appendValue(StringBuilder json, Object value) {
    if (value == null) {
      json.append("null");
    } else if (value instanceof Boolean) {
      json.append(((Boolean) value).booleanValue());
    } else if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte
      || value instanceof BigInteger || value instanceof BigDecimal || value instanceof AtomicInteger
      || value instanceof AtomicLong) {
      json.append(value);
    } else if (value instanceof Double || value instanceof Float) {
      double number = ((Number) value).doubleValue();
      if (Double.isNaN(number) || Double.isInfinite(number)) {
        appendString(json, value.toString()); // JSON has no NaN or Infinity
      } else {
        json.append(value);
      }
    } else {
      appendString(json, value.toString());
    }
  }

  private static void appendString(StringBuilder json, String value) {
    if (value == null) {
      json.append("null");
    } else {
      appendString(json, value, value.length());
    }
  }

  /**
   * Appends {@code value[0, end)} as a JSON string: quote, backslash and control characters escaped, a surrogate pair
   * kept as is (it becomes 4 bytes of UTF-8), a lone surrogate escaped (UTF-8 cannot carry it).
   */
  private static void appendString(StringBuilder json, String value, int end) {
    json.append('"');
    int start = 0;
    for (int i = 0; i < end; i++) {
      char c = value.charAt(i);
      if (c >= 0x20 && c != '"' && c != '\\' && !Character.isSurrogate(c)) {
        continue;
      }
      if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(value.charAt(i + 1))) {
        i++;
        continue;
      }
      json.append(value, start, i);
      switch (c) {
        case '"':
          json.append("\\\"");
          break;
        case '\\':
          json.append("\\\\");
          break;
        case '\n':
          json.append("\\n");
          break;
        case '\r':
          json.append("\\r");
          break;
        case '\t':
          json.append("\\t");
          break;
        case '\b':
          json.append("\\b");
          break;
        case '\f':
          json.append("\\f");
          break;
        default:
          json.append("\\u").append(HEX[c >> 12 & 0xf]).append(HEX[c >> 8 & 0xf]).append(HEX[c >> 4 & 0xf])
            .append(HEX[c & 0xf]);
          break;
      }
      start = i + 1;
    }
    json.append(value, start, end).append('"');
  }

  private static final class Second {
    final long epochSecond;
    final String text;

    Second(long epochSecond, String text) {
      this.epochSecond = epochSecond;
      this.text = text;
    }
  }
}
