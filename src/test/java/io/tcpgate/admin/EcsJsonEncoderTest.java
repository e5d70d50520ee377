package io.tcpgate.admin;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.slf4j.event.KeyValuePair;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The JSON log format: ECS field names, one object per line, values typed, strings escaped, each key once. */
class EcsJsonEncoderTest {

  /** 2026-11-29T14:03:07.123Z. */
  private static final long MILLIS = Instant.parse("2026-11-29T14:03:07.123Z").toEpochMilli();

  private final LoggerContext context = new LoggerContext();
  private final Logger logger = context.getLogger("io.tcpgate.listener.ListenerVerticle");
  private final EcsJsonEncoder encoder = new EcsJsonEncoder();

  private LoggingEvent event(Level level, String message, Throwable error) {
    return event(level, message, error, Map.of());
  }

  private LoggingEvent event(Level level, String message, Throwable error, Map<String, String> mdc,
                             Object... arguments) {
    LoggingEvent event = new LoggingEvent(Logger.class.getName(), logger, level, message, error,
      arguments.length == 0 ? null : arguments);
    event.setTimeStamp(MILLIS);
    event.setThreadName("vert.x-eventloop-thread-1");
    event.setMDCPropertyMap(mdc);
    return event;
  }

  /** Encodes, checks the framing (UTF-8, exactly one trailing newline, no raw control character) and parses. */
  private String encodeLine(LoggingEvent event) {
    byte[] bytes = encoder.encode(event);
    String line = new String(bytes, StandardCharsets.UTF_8);
    assertThat(line).endsWith("\n");
    String body = line.substring(0, line.length() - 1);
    assertThat(body.chars()).as("raw control characters in %s", body).noneMatch(c -> c < 0x20);
    assertThat(body).startsWith("{").endsWith("}");
    return body;
  }

  private JsonObject encode(LoggingEvent event) {
    return new JsonObject(encodeLine(event));
  }

  /** How often {@code "key":} occurs as a field name in the raw line (Jackson would quietly keep the last). */
  private static int occurrences(String line, String key) {
    Matcher matcher = Pattern.compile("[{,]\"" + Pattern.quote(key) + "\":").matcher(line);
    int count = 0;
    while (matcher.find()) {
      count++;
    }
    return count;
  }

  @Test
  void plainEvent_hasTheEcsFields() {
    LoggingEvent event = event(Level.INFO, "listener '{}' bound {}", null, Map.of(), "echo",
      "127.0.0.1:7000");
    JsonObject json = encode(event);

    assertThat(json.fieldNames()).containsExactlyInAnyOrder("@timestamp", "log.level", "log.logger", "message",
      "process.thread.name", "service.name", "ecs.version");
    assertThat(json.getString("@timestamp")).isEqualTo("2026-11-29T14:03:07.123Z");
    assertThat(Instant.parse(json.getString("@timestamp"))).isEqualTo(event.getInstant())
      .isEqualTo(Instant.ofEpochMilli(MILLIS));
    assertThat(json.getString("log.level")).isEqualTo("INFO");
    assertThat(json.getString("log.logger")).isEqualTo("io.tcpgate.listener.ListenerVerticle");
    assertThat(json.getString("message")).isEqualTo("listener 'echo' bound 127.0.0.1:7000");
    assertThat(json.getString("process.thread.name")).isEqualTo("vert.x-eventloop-thread-1");
    assertThat(json.getString("service.name")).isEqualTo("tcpgate");
    assertThat(json.getString("ecs.version")).isEqualTo("8.11.0");
  }

  @Test
  void everyLevel_isItsUpperCaseName() {
    for (Level level : List.of(Level.TRACE, Level.DEBUG, Level.INFO, Level.WARN, Level.ERROR)) {
      assertThat(encode(event(level, "x", null)).getString("log.level")).isEqualTo(level.toString());
    }
  }

  @Test
  void timestamp_isUtcWithSecondsAndExactlyThreeFractionDigits_evenOnRoundValues() {
    String[] instants = {"2026-11-29T14:03:00.000Z", "2026-11-29T14:03:00.005Z", "2026-11-29T14:03:00.050Z",
      "2026-11-29T14:03:00.999Z", "2026-11-29T14:03:01.000Z", "2026-11-29T14:03:00.001Z", "2024-02-29T23:59:59.999Z",
      "1970-01-01T00:00:00.000Z", "1969-12-31T23:59:59.999Z", "2100-01-01T00:00:00.000Z"};
    for (String instant : instants) {
      LoggingEvent event = event(Level.INFO, "tick", null);
      event.setTimeStamp(Instant.parse(instant).toEpochMilli());
      String timestamp = encode(event).getString("@timestamp");
      assertThat(timestamp).isEqualTo(instant);
      assertThat(Instant.parse(timestamp)).isEqualTo(event.getInstant());
    }
  }

  @Test
  void timestamp_isRightFromManyThreadsAtOnce() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> runs = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        runs.add(pool.submit(() -> {
          for (int i = 0; i < 2_000; i++) {
            // a handful of seconds, so the cached second changes under the other threads all the time
            long millis = MILLIS + ThreadLocalRandom.current().nextLong(5_000);
            LoggingEvent event = event(Level.INFO, "tick", null);
            event.setTimeStamp(millis);
            assertThat(Instant.parse(encode(event).getString("@timestamp"))).isEqualTo(Instant.ofEpochMilli(millis));
          }
        }));
      }
      for (Future<?> run : runs) {
        run.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void keyValuePairsAndMdc_areTopLevelFields_typedAsTheirValues() {
    Map<String, String> mdc = new LinkedHashMap<>();
    mdc.put("connection", "c-1a2b3c");
    mdc.put("trace.id", "4bf92f3577b34da6a3ce929d0e0e4736");
    LoggingEvent event = event(Level.INFO, "closed", null, mdc);
    event.addKeyValuePair(new KeyValuePair("listener", "echo"));
    event.addKeyValuePair(new KeyValuePair("frames_in", 42));
    event.addKeyValuePair(new KeyValuePair("bytes_in", 5_000_000_000L));
    event.addKeyValuePair(new KeyValuePair("duration_s", 1.5));
    event.addKeyValuePair(new KeyValuePair("ratio", new BigDecimal("0.125")));
    event.addKeyValuePair(new KeyValuePair("tls", true));
    event.addKeyValuePair(new KeyValuePair("proxied", false));
    event.addKeyValuePair(new KeyValuePair("peer", null));
    event.addKeyValuePair(new KeyValuePair("remote", new InetSocketAddress("127.0.0.1", 40_000)));
    event.addKeyValuePair(new KeyValuePair("rate", Double.NaN));
    event.addKeyValuePair(new KeyValuePair("quote\"d", "a\"b"));

    JsonObject json = encode(event);

    assertThat(json.getString("connection")).isEqualTo("c-1a2b3c");
    assertThat(json.getString("trace.id")).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    assertThat(json.getValue("listener")).isEqualTo("echo");
    assertThat(json.getValue("frames_in")).isEqualTo(42);
    assertThat(json.getValue("bytes_in")).isEqualTo(5_000_000_000L);
    assertThat(json.getValue("duration_s")).isEqualTo(1.5);
    assertThat(json.getDouble("ratio")).isEqualTo(0.125);
    assertThat(json.getValue("tls")).isEqualTo(true);
    assertThat(json.getValue("proxied")).isEqualTo(false);
    assertThat(json.containsKey("peer")).isTrue();
    assertThat(json.getValue("peer")).isNull();
    assertThat(json.getValue("remote")).isEqualTo(new InetSocketAddress("127.0.0.1", 40_000).toString());
    assertThat(json.getValue("rate")).as("JSON has no NaN: written as a string").isEqualTo("NaN");
    assertThat(json.getValue("quote\"d")).isEqualTo("a\"b");
    assertThat(json.getString("message")).isEqualTo("closed");
  }

  @Test
  void eachKeyAppearsOnce_pairsWinOverMdc_laterPairsOverEarlier_andTheEcsFieldsOverBoth() {
    Map<String, String> mdc = new LinkedHashMap<>();
    mdc.put("listener", "from-mdc");
    mdc.put("message", "an MDC entry named message");
    mdc.put("only.mdc", "kept");
    LoggingEvent event = event(Level.WARN, "the real message", null, mdc);
    event.addKeyValuePair(new KeyValuePair("listener", "first"));
    event.addKeyValuePair(new KeyValuePair("listener", "second"));
    event.addKeyValuePair(new KeyValuePair("log.level", "DEBUG"));
    event.addKeyValuePair(new KeyValuePair("@timestamp", 0));

    String line = encodeLine(event);
    JsonObject json = new JsonObject(line);

    for (String key : List.of("listener", "message", "log.level", "@timestamp", "only.mdc")) {
      assertThat(occurrences(line, key)).as("occurrences of %s in %s", key, line).isEqualTo(1);
    }
    assertThat(json.getString("listener")).isEqualTo("second");
    assertThat(json.getString("message")).isEqualTo("the real message");
    assertThat(json.getString("log.level")).isEqualTo("WARN");
    assertThat(json.getString("@timestamp")).isEqualTo("2026-11-29T14:03:07.123Z");
    assertThat(json.getString("only.mdc")).isEqualTo("kept");
  }

  @Test
  void exceptionWithCause_givesErrorTypeMessageAndTheWholeStackTrace() {
    IOException cause = new IOException("Connection reset by peer");
    IllegalStateException error = new IllegalStateException("worker 'kv' failed", cause);
    JsonObject json = encode(event(Level.ERROR, "request failed", error));

    assertThat(json.getString("message")).isEqualTo("request failed");
    assertThat(json.getString("error.type")).isEqualTo("java.lang.IllegalStateException");
    assertThat(json.getString("error.message")).isEqualTo("worker 'kv' failed");
    String trace = json.getString("error.stack_trace");
    assertThat(trace).startsWith("java.lang.IllegalStateException: worker 'kv' failed" + System.lineSeparator())
      .contains("\tat " + EcsJsonEncoderTest.class.getName() + ".exceptionWithCause")
      .contains("Caused by: java.io.IOException: Connection reset by peer")
      .doesNotEndWith("\n");
  }

  @Test
  void exceptionWithoutMessage_hasNoErrorMessage() {
    JsonObject json = encode(event(Level.ERROR, "oops", new NullPointerException()));
    assertThat(json.getString("error.type")).isEqualTo("java.lang.NullPointerException");
    assertThat(json.containsKey("error.message")).isFalse();
    assertThat(json.getString("error.stack_trace")).startsWith("java.lang.NullPointerException");
  }

  @Test
  void quotesBackslashesControlCharactersAndUnicode_roundTrip() {
    String message = "say \"hi\" \\ C:\\dir\nsecond line\r\n\ttab \b\f nul\u0000 unit\u001f del\u007f "
      + "é 日本 😀 ‮ \u2028";
    LoggingEvent event = new LoggingEvent(Logger.class.getName(), logger, Level.INFO, message, null, null);
    event.setThreadName("thread \"quoted\"\n");
    event.setMDCPropertyMap(Map.of());
    String line = encodeLine(event);
    JsonObject json = new JsonObject(line);

    assertThat(json.getString("message")).isEqualTo(message);
    assertThat(json.getString("process.thread.name")).isEqualTo("thread \"quoted\"\n");
    assertThat(line).contains("\\u0000", "\\u001f", "\\n", "\\r", "\\t", "\\b", "\\f", "\\\"", "\\\\")
      .contains("😀", "日本", "é");
    byte[] emoji = "😀".getBytes(StandardCharsets.UTF_8);
    assertThat(emoji).hasSize(4);
    assertThat(new String(encoder.encode(event), StandardCharsets.UTF_8)).contains(new String(emoji,
      StandardCharsets.UTF_8));
  }

  @Test
  void loneSurrogate_isEscaped_soTheLineStaysValidUtf8() {
    String message = "high \uD83D alone, low \uDE00 alone, pair \uD83D\uDE00";
    String line = encodeLine(event(Level.INFO, message, null));
    assertThat(line).contains("\\ud83d alone", "\\ude00 alone", "pair 😀");
    assertThat(new JsonObject(line).getString("message")).isEqualTo(message);
  }

  @Test
  void messageWithBracesAndNoArguments_isWrittenAsIs() {
    assertThat(encode(event(Level.INFO, "{} and {\"json\": 1}", null)).getString("message"))
      .isEqualTo("{} and {\"json\": 1}");
  }

  @Test
  void everyEventIsOneLine() {
    StringBuilder out = new StringBuilder();
    out.append(new String(encoder.encode(event(Level.INFO, "one", null)), StandardCharsets.UTF_8));
    out.append(new String(encoder.encode(event(Level.WARN, "two\nlines", null)), StandardCharsets.UTF_8));
    out.append(new String(encoder.encode(event(Level.ERROR, "three", new IllegalStateException("x\ny"))),
      StandardCharsets.UTF_8));
    List<String> lines = out.toString().lines().toList();
    assertThat(lines).hasSize(3);
    assertThat(lines.stream().map(JsonObject::new).map(o -> o.getString("message")))
      .containsExactly("one", "two\nlines", "three");
  }

  @Test
  void noHeaderOrFooter() {
    assertThat(encoder.headerBytes()).isNull();
    assertThat(encoder.footerBytes()).isNull();
  }
}
