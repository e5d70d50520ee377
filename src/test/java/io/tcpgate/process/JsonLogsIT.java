package io.tcpgate.process;

import io.tcpgate.testing.RawClient;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * {@code LOG_FORMAT=json} (or the config's {@code logging.format: json}) makes every line the process writes one ECS
 * JSON object, on stdout (logback) and on stderr (the errors that stop it starting), so a log pipeline never meets a
 * plain-text line; without it the errors stay {@code tcpgate: <message>}.
 */
class JsonLogsIT {

  @TempDir
  Path dir;

  /** Parses every non-empty line, failing with the whole output when one is not a JSON object. */
  private static List<JsonObject> parseAll(List<String> lines, GatewayProcess gateway) {
    return lines.stream().filter(line -> !line.isBlank()).map(line -> {
      try {
        return new JsonObject(line);
      } catch (RuntimeException e) {
        return fail("not a JSON line: <%s>; output:%n%s", line, gateway.output());
      }
    }).toList();
  }

  @Test
  void invalidConfigWithLogFormatJson_exits2WithOneEcsErrorLineOnStderrNamingTheKey() throws Exception {
    Path conf = GatewayProcess.writeConfig(dir, "invalid.json", """
      {"admin": {"enabled": false}, "listeners": [
        {"name": "a", "host": "127.0.0.1", "port": 0, "family": "ipv4", "framng": {"kind": "lines"},
         "address": "tcpgate.echo"}
      ]}""");
    try (GatewayProcess gateway = GatewayProcess.jar().conf(conf).env("LOG_FORMAT", "json").start()) {
      assertThat(gateway.awaitExit()).as("exit code; output:%n%s", gateway.output()).isEqualTo(2);
      List<JsonObject> errors = parseAll(gateway.stderrLines(), gateway);
      assertThat(errors).as("stderr:%n%s", gateway.output()).singleElement().satisfies(error -> {
        assertThat(error.getString("log.level")).isEqualTo("ERROR");
        assertThat(error.getString("log.logger")).isEqualTo("io.tcpgate.Main");
        assertThat(error.getString("service.name")).isEqualTo("tcpgate");
        assertThat(error.getString("message"))
          .startsWith("invalid configuration: listeners[0].framng: ").contains("unknown key");
        assertThat(Instant.parse(error.getString("@timestamp"))).isBefore(Instant.now().plusSeconds(1));
      });
      parseAll(gateway.lines(), gateway);
    }
  }

  @Test
  void commandLineErrorWithLogFormatJson_isOneEcsLineWithTheUsageInTheMessage() throws Exception {
    try (GatewayProcess gateway = GatewayProcess.jar().args("--port", "7000").env("LOG_FORMAT", "json").start()) {
      assertThat(gateway.awaitExit()).as("exit code; output:%n%s", gateway.output()).isEqualTo(2);
      assertThat(parseAll(gateway.stderrLines(), gateway)).singleElement().satisfies(error -> {
        assertThat(error.getString("log.level")).isEqualTo("ERROR");
        assertThat(error.getString("message")).startsWith("unexpected argument '--port'\nusage: ");
      });
    }
  }

  @Test
  void bindFailureWhenOnlyTheConfigSaysJson_isAnEcsLineOnStderr() throws Exception {
    try (ServerSocket held = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      Path conf = GatewayProcess.writeConfig(dir, "taken.json", """
        {"admin": {"enabled": false}, "logging": {"format": "json"}, "listeners": [
          {"name": "taken", "host": "127.0.0.1", "port": %d, "family": "ipv4", "address": "tcpgate.echo"}
        ]}""".formatted(held.getLocalPort()));
      try (GatewayProcess gateway = GatewayProcess.jar().conf(conf).start()) {
        assertThat(gateway.awaitExit()).as("exit code; output:%n%s", gateway.output()).isEqualTo(1);
        assertThat(parseAll(gateway.stderrLines(), gateway)).singleElement().satisfies(error -> {
          assertThat(error.getString("log.level")).isEqualTo("ERROR");
          assertThat(error.getString("log.logger")).isEqualTo("io.tcpgate.Main");
          assertThat(error.getString("message"))
            .contains("listener 'taken'", "127.0.0.1:" + held.getLocalPort(), "Address already in use");
        });
      }
    }
  }

  @Test
  void invalidLogFormat_isReportedInPlainText() throws Exception {
    try (GatewayProcess gateway = GatewayProcess.jar().env("LOG_FORMAT", "JSON").start()) {
      assertThat(gateway.awaitExit()).as("exit code; output:%n%s", gateway.output()).isEqualTo(2);
      assertThat(gateway.stderrLines()).singleElement().asString()
        .isEqualTo("tcpgate: invalid LOG_FORMAT: must be one of plain, json (got 'JSON')");
    }
  }

  @Test
  void runWithLogFormatJson_everyLineFromStartToStopIsAnEcsObject() throws Exception {
    Path conf = GatewayProcess.writeConfig(dir, "echo.json", """
      {"admin": {"enabled": false}, "listeners": [
        {"name": "echo", "host": "127.0.0.1", "port": 0, "family": "ipv4", "address": "tcpgate.echo"}
      ],
      "workers": [{"verticle": "echo", "config": {"address": "tcpgate.echo"}}]}""");
    try (GatewayProcess gateway = GatewayProcess.jar().conf(conf).env("LOG_FORMAT", "json").start()) {
      int port = gateway.port("echo");
      gateway.awaitStarted();
      try (RawClient client = RawClient.connect(port)) {
        assertThat(client.send("hello\n").readLine()).isEqualTo("hello");
      }
      gateway.awaitLine("listener=echo connection=");
      gateway.signal("TERM");
      assertThat(gateway.awaitExit()).as("exit code; output:%n%s", gateway.output()).isZero();

      assertThat(gateway.stderrLines()).as("stderr").allMatch(String::isBlank);
      List<JsonObject> lines = parseAll(gateway.lines(), gateway);
      assertThat(lines).hasSizeGreaterThanOrEqualTo(4).allSatisfy(line -> {
        assertThat(Instant.parse(line.getString("@timestamp"))).isBefore(Instant.now().plusSeconds(1));
        assertThat(line.getString("log.level")).isIn("TRACE", "DEBUG", "INFO", "WARN", "ERROR");
        assertThat(line.getString("log.logger")).isNotBlank();
        assertThat(line.getString("message")).isNotNull();
        assertThat(line.getString("ecs.version")).isEqualTo("8.11.0");
        assertThat(line.getString("service.name")).isEqualTo("tcpgate");
        assertThat(line.getString("process.thread.name")).isNotBlank();
      });
      assertThat(lines).filteredOn(line -> line.getString("message").startsWith("tcpgate started with 1 listener"))
        .singleElement().satisfies(ready -> {
          assertThat(ready.getString("log.level")).isEqualTo("INFO");
          assertThat(ready.getString("log.logger")).isEqualTo("io.tcpgate.Main");
        });
      assertThat(lines).as("the access log line").anySatisfy(line -> {
        assertThat(line.getString("log.logger")).isEqualTo("tcpgate.access");
        assertThat(line.getString("message")).contains("listener=echo");
        assertThat(line.getString("tcpgate.listener")).isEqualTo("echo");
        assertThat(line.getString("tcpgate.connection.id")).isNotBlank();
        assertThat(line.getString("client.address")).startsWith("127.0.0.1:");
        assertThat(line.getLong("tcpgate.frames.in")).isPositive();
        assertThat(line.getString("tcpgate.close.reason")).isNotBlank();
      });
      assertThat(lines).extracting(line -> line.getString("message")).contains("tcpgate stopped");
      assertThat(lines).noneMatch(line -> "ERROR".equals(line.getString("log.level")));
    }
  }
}
