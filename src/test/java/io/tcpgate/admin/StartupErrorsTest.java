package io.tcpgate.admin;

import io.tcpgate.config.LogFormat;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** Startup errors: {@code tcpgate: <message>} in the plain format, one ECS line at ERROR in the JSON format. */
class StartupErrorsTest {

  private static String print(LogFormat format, String message) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    StartupErrors.print(new PrintStream(out, true, StandardCharsets.UTF_8), format, message);
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void plain_isThePrefixedMessage() {
    assertThat(print(LogFormat.PLAIN, "invalid configuration: listeners[0].framng: unknown key"))
      .isEqualTo("tcpgate: invalid configuration: listeners[0].framng: unknown key" + System.lineSeparator());
  }

  @Test
  void json_isOneEcsLineAtErrorFromMain_evenForAMessageOfSeveralLines() {
    Instant before = Instant.now();
    String out = print(LogFormat.JSON, "unexpected argument '--port'\nusage: java -jar tcpgate.jar [-conf FILE]");
    assertThat(out).endsWith("\n");
    assertThat(out.lines()).hasSize(1);
    JsonObject json = new JsonObject(out);
    assertThat(json.getString("log.level")).isEqualTo("ERROR");
    assertThat(json.getString("log.logger")).isEqualTo("io.tcpgate.Main");
    assertThat(json.getString("message"))
      .isEqualTo("unexpected argument '--port'\nusage: java -jar tcpgate.jar [-conf FILE]");
    assertThat(json.getString("service.name")).isEqualTo("tcpgate");
    assertThat(json.getString("ecs.version")).isEqualTo(EcsJsonEncoder.ECS_VERSION);
    assertThat(json.getString("process.thread.name")).isEqualTo(Thread.currentThread().getName());
    assertThat(Instant.parse(json.getString("@timestamp")))
      .isBetween(before.minusMillis(1), Instant.now().plusMillis(1));
  }

  @Test
  void json_leavesPlaceholdersAlone() {
    assertThat(new JsonObject(print(LogFormat.JSON, "bad {} value")).getString("message")).isEqualTo("bad {} value");
  }
}
