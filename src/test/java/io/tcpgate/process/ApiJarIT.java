package io.tcpgate.process;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The API jar ({@code target/tcpgate-api.jar}, classifier {@code api}) holds the event-bus contract and nothing else,
 * and is all a worker needs besides Vert.x: the example worker's own Maven build, as documented in
 * examples/README.md, compiles against it with scope provided.
 */
class ApiJarIT {

  private static Path apiJar() {
    return GatewayProcess.basedir().resolve("target/tcpgate-api.jar");
  }

  @Test
  void theApiJar_holdsTheEventBusContractOnly() throws Exception {
    List<String> classes = new ArrayList<>();
    try (JarFile jar = new JarFile(apiJar().toFile())) {
      jar.stream().map(ZipEntry::getName).filter(n -> n.endsWith(".class")).forEach(classes::add);
    }
    assertThat(classes).contains("io/tcpgate/bus/GatewayHeaders.class", "io/tcpgate/bus/PinnedConsumer.class",
      "io/tcpgate/bus/ErrorCode.class", "io/tcpgate/bus/BodyType.class");
    assertThat(classes).allMatch(name -> name.startsWith("io/tcpgate/bus/"));
    assertThat(Files.size(apiJar())).isLessThan(64 * 1024);
  }

  @Test
  void theExampleWorker_buildsWithMaven_againstTheApiJar() throws Exception {
    String version = System.getProperty("tcpgate.version", "0.1.0-SNAPSHOT");
    // what `mvn install` in tcpgate's directory does for the API jar, without building tcpgate again
    run(List.of("mvn", "-B", "-q", "org.apache.maven.plugins:maven-install-plugin:3.1.2:install-file",
      "-Dfile=" + apiJar(), "-DgroupId=io.tcpgate", "-DartifactId=tcpgate", "-Dversion=" + version,
      "-Dclassifier=api", "-Dpackaging=jar", "-DgeneratePom=false"));
    Path exampleTarget = GatewayProcess.basedir().resolve("examples/uppercase-worker/target");
    deleteRecursively(exampleTarget);
    run(List.of("mvn", "-B", "-q", "-f", "examples/uppercase-worker/pom.xml", "package"));
    Path built = exampleTarget.resolve("uppercase-worker.jar");
    assertThat(built).as("the example's jar").exists();
    try (JarFile jar = new JarFile(built.toFile())) {
      List<String> entries = jar.stream().map(ZipEntry::getName).toList();
      assertThat(entries).contains("io/tcpgate/examples/UppercaseWorker.class", "io/tcpgate/examples/DelayWorker.class")
        .noneMatch(name -> name.startsWith("io/tcpgate/bus/"));
    }
  }

  private static void deleteRecursively(Path root) throws java.io.IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (var walk = Files.walk(root)) {
      for (Path path : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }

  private static void run(List<String> command) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(command).directory(GatewayProcess.basedir().toFile())
      .redirectErrorStream(true);
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes());
    boolean done = process.waitFor(Duration.ofMinutes(3).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    assertThat(done).as("%s finished", command).isTrue();
    assertThat(process.exitValue()).as("%s:%n%s", command, output).isZero();
  }
}
