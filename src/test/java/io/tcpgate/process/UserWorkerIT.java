package io.tcpgate.process;

import io.tcpgate.testing.RawClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A user's worker verticle, compiled into its own jar from {@code examples/uppercase-worker}, runs next to
 * tcpgate.jar on the classpath and is deployed by its class name from the configuration.
 */
class UserWorkerIT {

  private static final String WORKER = "io.tcpgate.examples.UppercaseWorker";

  @TempDir
  static Path buildDir;

  private static Path workerJar;

  @TempDir
  Path dir;

  @BeforeAll
  static void buildExample() throws Exception {
    workerJar = ExampleWorkerJar.build(buildDir);
  }

  @Test
  void workerFromAUserJarDeployedByClassNameRepliesUpperCasedToBufferAndStringBodies() throws Exception {
    Path conf = GatewayProcess.writeConfig(dir, "upper.json", """
      {
        "admin": {"enabled": false},
        "listeners": [
          {"name": "upper", "host": "127.0.0.1", "port": 0, "family": "ipv4", "framing": {"kind": "lines"},
           "address": "examples.upper"},
          {"name": "upper-text", "host": "127.0.0.1", "port": 0, "family": "ipv4", "framing": {"kind": "lines"},
           "address": "examples.upper", "body": "string"}
        ],
        "workers": [
          {"verticle": "%s", "instances": 2, "config": {"address": "examples.upper"}}
        ]
      }""".formatted(WORKER));
    try (GatewayProcess gateway = GatewayProcess.classpath(workerJar).conf(conf).start()) {
      gateway.awaitStarted();
      assertThat(gateway.output()).contains("configuration " + conf + ": 2 listener(s), 1 worker(s)");
      try (RawClient client = RawClient.connect(gateway.port("upper"))) {
        assertThat(client.send("hello, tcpgate\n").readLine()).isEqualTo("HELLO, TCPGATE");
        assertThat(client.send("mixed Case 123\nsecond\n").readLine()).isEqualTo("MIXED CASE 123");
        assertThat(client.readLine()).isEqualTo("SECOND");
      }
      try (RawClient client = RawClient.connect(gateway.port("upper-text"))) {
        assertThat(client.send("straße\n").readLine()).isEqualTo("STRASSE");
      }
      gateway.signal("TERM");
      assertThat(gateway.awaitExit()).as("exit code; output:%n%s", gateway.output()).isZero();
      gateway.assertNoErrorsOrStackTraces();
    }
  }

  @Test
  void workerClassNotOnTheClasspathFailsStartupWithExitCode1NamingTheClass() throws Exception {
    Path conf = GatewayProcess.writeConfig(dir, "missing.json", """
      {
        "admin": {"enabled": false},
        "listeners": [
          {"name": "upper", "host": "127.0.0.1", "port": 0, "family": "ipv4", "address": "examples.upper"}
        ],
        "workers": [
          {"verticle": "%s", "config": {"address": "examples.upper"}}
        ]
      }""".formatted(WORKER));
    // the same config without the user's jar: the class cannot be found
    try (GatewayProcess gateway = GatewayProcess.jar().conf(conf).start()) {
      assertThat(gateway.awaitExit()).as("exit code; output:%n%s", gateway.output()).isEqualTo(1);
      assertThat(gateway.stderrLines()).singleElement().asString()
        .startsWith("tcpgate: startup failed: ")
        .contains(WORKER);
      assertThat(gateway.output()).doesNotContain("listener 'upper' bound");
    }
  }
}
