package io.tcpgate.admin;

import io.tcpgate.config.LogFormat;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The container log format writes one JSON object per line with ECS field names (through logback's configuration, so
 * {@code tcpgate-log-json.xml} is checked too); the plain format is the readable pattern.
 */
class LogSetupTest {

  private static String capture(LogFormat format, String message) {
    PrintStream original = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      LogSetup.apply(format);
      LoggerFactory.getLogger("io.tcpgate.test").atInfo().addKeyValue("listener", "echo").addKeyValue("port", 7000)
        .log(message);
    } finally {
      System.setOut(original);
    }
    return captured.toString(StandardCharsets.UTF_8);
  }

  @Test
  void jsonFormat_writesOneJsonObjectPerLine_andPlainWritesThePattern() {
    assumeTrue(LogSetup.fromEnvironment() == null, "LOG_FORMAT is set in this environment");
    try {
      String json = capture(LogFormat.JSON, "hello \"json\"");
      assertThat(json.lines()).isNotEmpty().allSatisfy(line -> new JsonObject(line));
      JsonObject event = json.lines().map(JsonObject::new)
        .filter(o -> "hello \"json\"".equals(o.getString("message"))).findFirst().orElseThrow();
      assertThat(event.getString("log.level")).isEqualTo("INFO");
      assertThat(event.getString("log.logger")).isEqualTo("io.tcpgate.test");
      assertThat(event.getString("ecs.version")).isEqualTo(EcsJsonEncoder.ECS_VERSION);
      assertThat(event.getString("listener")).isEqualTo("echo");
      assertThat(event.getValue("port")).isEqualTo(7000);
      assertThat(Instant.parse(event.getString("@timestamp"))).isBefore(Instant.now().plusSeconds(1));
    } finally {
      String plain = capture(LogFormat.PLAIN, "hello plain");
      assertThat(plain).contains("INFO").contains("hello plain").doesNotStartWith("{");
    }
  }

  @Test
  void logFormatFromTheEnvironment_isTheExactConfigName() {
    assertThat(LogSetup.parse(null)).isNull();
    assertThat(LogSetup.parse("")).isNull();
    assertThat(LogSetup.parse("json")).isEqualTo(LogFormat.JSON);
    assertThat(LogSetup.parse("plain")).isEqualTo(LogFormat.PLAIN);
    assertThatThrownBy(() -> LogSetup.parse("JSON")).isInstanceOf(IllegalArgumentException.class)
      .hasMessage("LOG_FORMAT: must be one of plain, json (got 'JSON')");
    assertThatThrownBy(() -> LogSetup.parse(" json")).isInstanceOf(IllegalArgumentException.class)
      .hasMessage("LOG_FORMAT: must be one of plain, json (got ' json')");
  }
}
