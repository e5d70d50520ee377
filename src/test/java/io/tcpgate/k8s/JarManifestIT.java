package io.tcpgate.k8s;

import io.tcpgate.testing.ChildProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarFile;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The JVM options Hazelcast asks for live in the fat jar's manifest ({@code Add-Opens}, {@code Add-Exports}), which
 * {@code java -jar} honours, so the Deployments and the Dockerfile start the jar without any {@code --add-opens}
 * ({@link KubernetesManifestsTest} and {@code ClusterManifestsTest} check they pass none). Runs a one-member cluster
 * from the jar with no JVM option at all and shows it starts without Hazelcast's plain-text warning about missing
 * access, nor any illegal-access warning; and, as the control, that the same jar on {@code -cp} (where the JVM
 * ignores those manifest attributes) does print Hazelcast's warning.
 */
class JarManifestIT {

  /** Start of the warning Hazelcast 5.3 logs when the packages below are not open to it. */
  private static final String HAZELCAST_WARNING = "without proper access to required Java packages";
  /** module/package pairs Hazelcast checks (ModularJavaUtils), opened for reflection. */
  private static final Set<String> OPENS = Set.of("java.base/java.lang", "java.base/sun.nio.ch",
    "java.management/sun.management", "jdk.management/com.sun.management.internal");
  /** ... and exported. */
  private static final Set<String> EXPORTS = Set.of("java.base/jdk.internal.ref");
  private static final Duration STARTUP = Duration.ofSeconds(90);

  @Test
  void theJarManifestOpensWhatHazelcastNeeds() throws IOException {
    try (JarFile jar = new JarFile(ChildProcess.tcpgateJar().toFile())) {
      Attributes main = jar.getManifest().getMainAttributes();
      assertThat(words(main.getValue("Add-Opens"))).as("Add-Opens of " + ChildProcess.tcpgateJar())
        .containsAll(OPENS);
      assertThat(words(main.getValue("Add-Exports"))).as("Add-Exports of " + ChildProcess.tcpgateJar())
        .containsAll(EXPORTS);
      assertThat(main.getValue("Main-Class")).as("Main-Class").isEqualTo("io.tcpgate.Main");
    }
  }

  @Test
  void javaDashJarStartsAClusterMemberWithoutAnyJvmOptionAndWithoutAccessWarnings(@TempDir Path dir)
    throws Exception {
    Path conf = ChildProcess.writeConfig(dir, "cluster.json", clusterConfig(freePort()));
    List<String> output = startAndStop(ChildProcess.tcpgateCommand(List.of(), null, List.of("-conf",
      conf.toString())));
    String text = String.join("\n", output);
    assertThat(text).as("java -jar with no JVM option: Hazelcast must find its packages open (manifest Add-Opens)")
      .doesNotContain(HAZELCAST_WARNING);
    assertThat(output).as("no JVM warning line (illegal reflective access and the like)")
      .noneMatch(l -> l.startsWith("WARNING:") || l.contains("llegal reflective access"));

    // the control: -cp ignores the manifest's Add-Opens, so the same check must see Hazelcast's warning there
    Path conf2 = ChildProcess.writeConfig(dir, "cluster2.json", clusterConfig(freePort()));
    List<String> control = startAndStop(ChildProcess.tcpgateCommand(List.of(), List.of(), List.of("-conf",
      conf2.toString())));
    assertThat(String.join("\n", control)).as("java -cp (manifest attributes not applied) prints Hazelcast's"
      + " warning: without it this test would prove nothing").contains(HAZELCAST_WARNING);
  }

  private static List<String> startAndStop(List<String> command) throws IOException, InterruptedException {
    ChildProcess child = ChildProcess.start("gateway", command, Map.of());
    try {
      child.awaitLine(ChildProcess.STARTED, 0, STARTUP);
      child.signal("TERM");
      assertThat(child.awaitExit(Duration.ofSeconds(60))).as("exit code after SIGTERM; output:\n" + child.output())
        .isZero();
      return child.lines();
    } finally {
      child.stop();
    }
  }

  /** One member (role all) joining nobody, on loopback; a listener and the admin server on ephemeral ports. */
  private static String clusterConfig(int hazelcastPort) {
    return """
      {
        "cluster": { "enabled": true, "role": "all", "host": "127.0.0.1", "port": 0,
                     "hazelcastPort": %d, "heartbeatTimeoutSeconds": 5 },
        "listeners": [ { "name": "lines", "host": "127.0.0.1", "port": 0, "family": "ipv4",
                         "framing": { "kind": "lines" }, "address": "tcpgate.echo" } ],
        "workers": [ { "verticle": "echo", "config": { "address": "tcpgate.echo" } } ],
        "shutdown": { "drainTimeoutMs": 1000, "graceDelayMs": 0 },
        "admin": { "enabled": true, "host": "127.0.0.1", "port": 0 }
      }
      """.formatted(hazelcastPort);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static Set<String> words(String value) {
    return value == null ? Set.of() : Set.of(value.trim().split("\\s+"));
  }
}
