package io.tcpgate.process;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The exit codes operators and supervisors rely on: 2 for an invalid configuration or command line, with one message
 * on stderr naming the offending key path; 1 when startup fails (a listener cannot bind), with a message naming the
 * listener, its address and the OS reason. No gateway is left running in either case.
 */
class ExitCodesIT {

  private static final String HELD_PORT = "HELD_PORT";

  @TempDir
  Path dir;

  static Stream<Arguments> invalidConfigs() {
    return Stream.of(
      Arguments.of("unknown key (a typo of framing)", """
        {"admin": {"enabled": false}, "listeners": [
          {"name": "a", "host": "127.0.0.1", "port": 0, "family": "ipv4", "framng": {"kind": "lines"},
           "address": "tcpgate.echo"}
        ]}""", "listeners[0].framng", "unknown key"),
      Arguments.of("port is a string", """
        {"admin": {"enabled": false}, "listeners": [
          {"name": "a", "host": "127.0.0.1", "port": "abc", "family": "ipv4", "address": "tcpgate.echo"}
        ]}""", "listeners[0].port", "must be an integer"),
      Arguments.of("port above 65535", """
        {"admin": {"enabled": false}, "listeners": [
          {"name": "a", "host": "127.0.0.1", "port": 70000, "family": "ipv4", "address": "tcpgate.echo"}
        ]}""", "listeners[0].port", "(got 70000)"),
      Arguments.of("maxFrameBytes 0 in the second listener's framing", """
        {"admin": {"enabled": false}, "listeners": [
          {"name": "a", "host": "127.0.0.1", "port": 0, "family": "ipv4", "address": "tcpgate.echo"},
          {"name": "b", "host": "127.0.0.1", "port": 0, "family": "ipv4", "address": "tcpgate.echo",
           "framing": {"kind": "lines", "maxFrameBytes": 0}}
        ]}""", "listeners[1].framing.maxFrameBytes", "(got 0)"),
      Arguments.of("listener without address", """
        {"admin": {"enabled": false}, "listeners": [
          {"name": "a", "host": "127.0.0.1", "port": 0, "family": "ipv4"}
        ]}""", "listeners[0].address", "is required"),
      Arguments.of("two listeners on the same host and port", """
        {"admin": {"enabled": false}, "listeners": [
          {"name": "a", "host": "127.0.0.1", "port": HELD_PORT, "family": "ipv4", "address": "tcpgate.echo"},
          {"name": "b", "host": "127.0.0.1", "port": HELD_PORT, "family": "ipv4", "address": "tcpgate.echo"}
        ]}""", "listeners[1].port", "collides with listeners[0] 'a'"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidConfigs")
  void invalidConfigurationExitsWith2AndOneStderrLineNamingTheKeyPath(String description, String json,
                                                                      String path, String problem) throws Exception {
    // a port held open: should validation miss the collision, the bind fails instead and the exit code is 1, not 2
    try (ServerSocket held = holdPort()) {
      Path conf = GatewayProcess.writeConfig(dir, "invalid.json",
        json.replace(HELD_PORT, Integer.toString(held.getLocalPort())));
      try (GatewayProcess gateway = GatewayProcess.jar().conf(conf).start()) {
        assertThat(gateway.awaitExit()).as("exit code; output:%n%s", gateway.output()).isEqualTo(2);
        assertThat(gateway.stderrLines()).as("stderr").singleElement().asString()
          .startsWith("tcpgate: invalid configuration: " + path + ": ")
          .contains(problem);
        assertThat(gateway.output()).doesNotContain("' bound ", "tcpgate started");
      }
    }
  }

  @Test
  void everyConfigurationProblem_isReportedInOneRun_oneStderrLineEach() throws Exception {
    Path conf = GatewayProcess.writeConfig(dir, "three-problems.json", """
      {"admin": {"enabled": false}, "listeners": [
        {"name": "a", "host": "127.0.0.1", "port": "abc", "family": "ipv4", "address": "tcpgate.echo"},
        {"name": "b", "host": "127.0.0.1", "port": 0, "family": "ipv4", "framng": {}, "address": "tcpgate.echo"}
      ], "workers": [{"instances": 2}]}""");
    try (GatewayProcess gateway = GatewayProcess.jar().conf(conf).start()) {
      assertThat(gateway.awaitExit()).as("exit code; output:%n%s", gateway.output()).isEqualTo(2);
      assertThat(gateway.stderrLines()).hasSize(3);
      assertThat(gateway.stderrLines().get(0)).startsWith("tcpgate: invalid configuration: listeners[0].port: ");
      assertThat(gateway.stderrLines().get(1)).startsWith("listeners[1].framng: unknown key");
      assertThat(gateway.stderrLines().get(2)).startsWith("workers[0].verticle: is required");
    }
  }

  @Test
  void aMisspeltOverride_namesTheSystemProperty() throws Exception {
    Path conf = GatewayProcess.writeConfig(dir, "valid.json", "{\"listeners\": [{\"name\": \"l\", \"port\": 0,"
      + " \"address\": \"a\"}], \"admin\": {\"enabled\": false}}");
    try (GatewayProcess gateway = GatewayProcess.jar().conf(conf).jvmArg("-Dtcpgate.listners.0.port=7100").start()) {
      assertThat(gateway.awaitExit()).as("exit code; output:%n%s", gateway.output()).isEqualTo(2);
      assertThat(gateway.stderrLines()).singleElement().asString().isEqualTo("tcpgate: invalid configuration:"
        + " listners: override -Dtcpgate.listners.0.port: 'listners' is not a configuration key (did you mean"
        + " 'listeners'?)");
    }
  }

  @Test
  void aStrayTcpgateVariable_namesTheVariable() throws Exception {
    Path conf = GatewayProcess.writeConfig(dir, "valid.json", "{\"listeners\": [{\"name\": \"l\", \"port\": 0,"
      + " \"address\": \"a\"}], \"admin\": {\"enabled\": false}}");
    try (GatewayProcess gateway = GatewayProcess.jar().conf(conf).env("TCPGATE_FOO", "1").start()) {
      assertThat(gateway.awaitExit()).as("exit code; output:%n%s", gateway.output()).isEqualTo(2);
      assertThat(gateway.stderrLines()).singleElement().asString()
        .startsWith("tcpgate: invalid configuration: foo: environment variable TCPGATE_FOO: 'FOO' is not a"
          + " configuration key")
        .contains("remove it from the environment");
    }
  }

  @Test
  void versionPrintsTheVersionsAndExits0() throws Exception {
    try (GatewayProcess gateway = GatewayProcess.jar().args("--version").start()) {
      assertThat(gateway.awaitExit()).as("exit code; output:%n%s", gateway.output()).isZero();
      assertThat(gateway.output()).containsPattern("tcpgate \\S+ \\(Vert\\.x 5\\.\\S+, Java 17")
        .doesNotContain("bound");
    }
  }

  @Test
  void checkOfAValidConfig_printsTheEffectiveConfigWithOverrides_bindsNothing_andExits0() throws Exception {
    Path conf = GatewayProcess.writeConfig(dir, "valid.json", "{\"listeners\": [{\"name\": \"l\", \"port\": 7999,"
      + " \"address\": \"a\"}], \"admin\": {\"enabled\": false}}");
    try (GatewayProcess gateway = GatewayProcess.jar().conf(conf).jvmArg("-Dtcpgate.listeners.0.requestTimeoutMs=1234")
      .args("--check").start()) {
      assertThat(gateway.awaitExit()).as("exit code; output:%n%s", gateway.output()).isZero();
      assertThat(gateway.output()).contains("\"requestTimeoutMs\" : 1234", "is valid")
        .doesNotContain("' bound ", "tcpgate started");
    }
  }

  @Test
  void checkOfAnInvalidConfig_namesTheKeyPath_andExits2() throws Exception {
    Path conf = GatewayProcess.writeConfig(dir, "invalid-check.json", "{\"listeners\": [{\"name\": \"l\","
      + " \"port\": 7999, \"address\": \"a\", \"tls\": {\"certPath\": \"/nope.crt\", \"keyPath\": \"/nope.key\"}}]}");
    try (GatewayProcess gateway = GatewayProcess.jar().conf(conf).args("--check").start()) {
      assertThat(gateway.awaitExit()).as("exit code; output:%n%s", gateway.output()).isEqualTo(2);
      assertThat(gateway.stderrLines()).singleElement().asString()
        .startsWith("tcpgate: invalid configuration: listeners[0].tls.certPath: ").contains("/nope.crt");
    }
  }

  @Test
  void confWithoutAFileNameSaysSo() throws Exception {
    try (GatewayProcess gateway = GatewayProcess.jar().args("-conf").start()) {
      assertThat(gateway.awaitExit()).as("exit code; output:%n%s", gateway.output()).isEqualTo(2);
      assertThat(gateway.stderrLines()).first().asString().isEqualTo("tcpgate: -conf needs a file name (-conf FILE)");
    }
  }

  @Test
  void missingConfFileExitsWith2NamingTheFile() throws Exception {
    Path missing = dir.resolve("does-not-exist.json");
    try (GatewayProcess gateway = GatewayProcess.jar().conf(missing).start()) {
      assertThat(gateway.awaitExit()).as("exit code; output:%n%s", gateway.output()).isEqualTo(2);
      assertThat(gateway.stderrLines()).singleElement().asString()
        .startsWith("tcpgate: invalid configuration: -conf: ")
        .contains("cannot read config file", missing.toString());
    }
  }

  @Test
  void confFileThatIsNotJsonExitsWith2NamingTheFile() throws Exception {
    Path conf = GatewayProcess.writeConfig(dir, "broken.json", "{\"listeners\": [ {\"name\": ");
    try (GatewayProcess gateway = GatewayProcess.jar().conf(conf).start()) {
      assertThat(gateway.awaitExit()).as("exit code; output:%n%s", gateway.output()).isEqualTo(2);
      assertThat(gateway.stderrLines()).first().asString()
        .startsWith("tcpgate: invalid configuration: -conf: ")
        .contains("cannot parse config file", conf.toString());
    }
  }

  @Test
  void confFileThatIsNotJsonIsReportedOnOneStderrLineWithLineAndColumn() throws Exception {
    Path conf = GatewayProcess.writeConfig(dir, "broken.json", "{\"listeners\": [ {\"name\": ");
    try (GatewayProcess gateway = GatewayProcess.jar().conf(conf).start()) {
      assertThat(gateway.awaitExit()).as("exit code; output:%n%s", gateway.output()).isEqualTo(2);
      assertThat(gateway.stderrLines()).singleElement().asString()
        .startsWith("tcpgate: invalid configuration: -conf: ")
        .contains("cannot parse config file", conf.toString())
        .containsPattern("line:? 1, column:? 26")
        .doesNotContain("REDACTED");
    }
  }

  @Test
  void unexpectedCommandLineArgumentExitsWith2AndPrintsUsage() throws Exception {
    try (GatewayProcess gateway = GatewayProcess.jar().args("--port", "7000").start()) {
      assertThat(gateway.awaitExit()).as("exit code; output:%n%s", gateway.output()).isEqualTo(2);
      assertThat(gateway.stderrLines()).first().asString().isEqualTo("tcpgate: unexpected argument '--port'");
      assertThat(String.join("\n", gateway.stderrLines())).contains("usage: java -jar tcpgate.jar [-conf FILE]");
    }
  }

  @Test
  void portAlreadyInUseExitsWith1NamingListenerHostPortAndReasonAndUnbindsTheListenerBoundBefore()
    throws Exception {
    try (ServerSocket held = holdPort()) {
      int port = held.getLocalPort();
      Path conf = GatewayProcess.writeConfig(dir, "taken.json", """
        {"admin": {"enabled": false}, "listeners": [
          {"name": "first", "host": "127.0.0.1", "port": 0, "family": "ipv4", "address": "tcpgate.echo"},
          {"name": "taken", "host": "127.0.0.1", "port": %d, "family": "ipv4", "address": "tcpgate.echo"}
        ],
        "workers": [{"verticle": "echo", "config": {"address": "tcpgate.echo"}}]}""".formatted(port));
      try (GatewayProcess gateway = GatewayProcess.jar().conf(conf).start()) {
        assertThat(gateway.awaitExit()).as("exit code; output:%n%s", gateway.output()).isEqualTo(1);
        assertThat(gateway.stderrLines()).singleElement().asString()
          .startsWith("tcpgate: ")
          .contains("listener 'taken'", "127.0.0.1:" + port, "Address already in use");
        // 'first' was bound before 'taken' failed; it must not keep its port (nor the process keep running)
        int firstPort = gateway.port("first");
        assertThat(gateway.output()).doesNotContain("tcpgate started");
        assertConnectionRefused(firstPort);
      }
      assertThat(held.isClosed()).isFalse();
    }
  }

  @Test
  void addressNotOnThisHostExitsWith1WithCannotAssignRequestedAddress() throws Exception {
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): never configured on a host, so binding it must fail; no packet is sent
    Path conf = GatewayProcess.writeConfig(dir, "foreign.json", """
      {"admin": {"enabled": false}, "listeners": [
        {"name": "foreign", "host": "192.0.2.1", "port": 0, "family": "ipv4", "address": "tcpgate.echo"}
      ]}""");
    try (GatewayProcess gateway = GatewayProcess.jar().conf(conf).start()) {
      assertThat(gateway.awaitExit()).as("exit code; output:%n%s", gateway.output()).isEqualTo(1);
      assertThat(gateway.stderrLines()).singleElement().asString()
        .startsWith("tcpgate: ")
        .contains("listener 'foreign'", "192.0.2.1", "Cannot assign requested address");
    }
  }

  private static ServerSocket holdPort() throws IOException {
    return new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
  }

  private static void assertConnectionRefused(int port) {
    assertThatThrownBy(() -> {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      }
    }).as("connecting to 127.0.0.1:%d", port).isInstanceOf(ConnectException.class);
  }
}
