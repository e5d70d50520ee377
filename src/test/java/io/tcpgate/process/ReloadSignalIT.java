package io.tcpgate.process;

import io.tcpgate.testing.RawClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code kill -HUP} on the real jar: a changed file is applied without dropping the open connection, a broken one is
 * rejected with its key path and changes nothing.
 */
class ReloadSignalIT {

  @TempDir
  Path dir;

  private static String config(String errorTemplate, String extraListenerKey) {
    return """
      {
        "admin": {"enabled": false},
        "listeners": [
          {"name": "echo", "host": "127.0.0.1", "port": 0, "family": "ipv4", "address": "tcpgate.echo",
           "errorTemplate": "%s"%s}
        ],
        "workers": [{"verticle": "echo"}]
      }""".formatted(errorTemplate, extraListenerKey);
  }

  @Test
  void sighup_appliesAChangedFile_keepsTheOpenConnection_andRejectsABrokenOne() throws Exception {
    Path conf = GatewayProcess.writeConfig(dir, "tcpgate.json", config("ERR {code}", ""));
    try (GatewayProcess gateway = GatewayProcess.jar().conf(conf).start()) {
      int port = gateway.port("echo");
      gateway.awaitStarted();
      try (RawClient client = RawClient.connect(port)) {
        assertThat(client.send("before\n").readLine()).isEqualTo("before");

        Files.writeString(conf, config("OOPS {code}", ", \"frameTimeoutMs\": 200"));
        gateway.signal("HUP");
        gateway.awaitLine("configuration reloaded \\(SIGHUP\\): generation 2, 1 change\\(s\\)");
        // the change list is the same log event's next line: wait for it to be read too
        gateway.awaitLine("listener 'echo': changed in place \\[frameTimeoutMs, errorTemplate\\]");
        assertThat(client.send("after\n").readLine()).as("the same connection, still served").isEqualTo("after");
        assertThat(client.send("never finished").readLine()).as("the new frame deadline and template")
          .isEqualTo("OOPS frame-timeout");
      }

      Files.writeString(conf, config("ERR {code}", ", \"framing\": {\"kind\": \"nope\"}"));
      gateway.signal("HUP");
      gateway.awaitLine("configuration reload rejected \\(SIGHUP\\); generation 2 stays in force:"
        + " listeners\\[0\\]\\.framing\\.kind");
      try (RawClient client = RawClient.connect(port)) {
        assertThat(client.send("still\n").readLine()).isEqualTo("still");
      }
      gateway.signal("TERM");
      assertThat(gateway.awaitExit()).as("exit code; output:%n%s", gateway.output()).isZero();
    }
  }
}
