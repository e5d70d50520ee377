package io.tcpgate.process;

import io.tcpgate.testing.Shell;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's nc examples, run as written against the jar's packaged default, print what the README says. */
class ReadmeExamplesIT {

  /** An example line: group 1 the command as written, group 2 the documented output, comma-separated. */
  private static final Pattern EXAMPLE = Pattern.compile("^\\$ (printf '[^']*' \\| nc .*?)\\s+#\\s*(.+)$");
  private static final int RUNS = 50;
  /**
   * Runs at once: {@code nc -q1} lingers a second after its input ends, so 50 runs one after another would take
   * almost a minute per example. The state the kv example touches is the same in every run, so overlapping runs
   * expect the same output.
   */
  private static final int PARALLEL_RUNS = 10;
  private static final long RUN_TIMEOUT_MS = 10_000;

  /** One example from the README. */
  private record Example(String command, List<String> expected) {
  }


  @Test
  void everyNcExampleInTheReadme_printsTheDocumentedLines_everyTime() throws Exception {
    requireNc();
    List<Example> examples = examples();
    assertThat(examples).as("nc examples in README.md (lines of the form $ printf '...' | nc ...  # expected)")
      .isNotEmpty();
    requireFreePorts();

    try (GatewayProcess gateway = GatewayProcess.jar().start()) {
      gateway.awaitStarted();
      assertThat(gateway.output()).contains("configuration (packaged default)");
      List<String> differences = new ArrayList<>();
      ExecutorService pool = Executors.newFixedThreadPool(PARALLEL_RUNS);
      try {
        for (Example example : examples) {
          differences.addAll(runRepeatedly(pool, example));
        }
      } finally {
        pool.shutdownNow();
      }
      assertThat(differences).as("README examples whose output differed from the documented lines").isEmpty();
      gateway.assertNoErrorsOrStackTraces();
    }
  }

  /** Runs {@code example} {@value #RUNS} times; returns one description per example whose runs differed. */
  private static List<String> runRepeatedly(ExecutorService pool, Example example) throws Exception {
    List<Future<Shell.Run>> runs = new ArrayList<>();
    for (int i = 0; i < RUNS; i++) {
      runs.add(pool.submit(() -> Shell.run(example.command(), RUN_TIMEOUT_MS)));
    }
    int differed = 0;
    List<String> samples = new ArrayList<>();
    for (Future<Shell.Run> future : runs) {
      Shell.Run run = future.get(RUN_TIMEOUT_MS * RUNS, TimeUnit.MILLISECONDS);
      if (!run.stdout().equals(example.expected())) {
        differed++;
        if (samples.size() < 3) {
          samples.add("got " + run.stdout() + " (exit " + run.exit() + ", stderr '" + run.stderr().trim() + "')");
        }
      }
    }
    System.out.printf("README example `%s`: %d of %d runs differed%n", example.command(), differed, RUNS);
    if (differed == 0) {
      return List.of();
    }
    return List.of("`" + example.command() + "`: " + differed + " of " + RUNS + " runs differed from "
      + example.expected() + "; e.g. " + String.join("; ", samples));
  }


  private static List<Example> examples() throws IOException {
    List<Example> examples = new ArrayList<>();
    for (String line : Files.readAllLines(GatewayProcess.basedir().resolve("README.md"), StandardCharsets.UTF_8)) {
      Matcher matcher = EXAMPLE.matcher(line.trim());
      if (matcher.matches()) {
        examples.add(new Example(matcher.group(1), List.of(matcher.group(2).trim().split("\\s*,\\s*"))));
      }
    }
    return examples;
  }

  /**
   * The examples need OpenBSD netcat. CI installs it (.ci/run), and there a missing nc fails the test; on a developer
   * machine with only a JDK and Maven the test is skipped with the same message, so {@code make test} still passes.
   */
  private static void requireNc() throws IOException, InterruptedException {
    Process which = new ProcessBuilder("bash", "-c", "command -v nc").redirectErrorStream(true).start();
    boolean exited = which.waitFor(10, TimeUnit.SECONDS);
    boolean present = exited && which.exitValue() == 0;
    String message = "nc is not installed: the README examples need it (Debian/Ubuntu: apt-get install"
      + " netcat-openbsd; .ci/run installs it)";
    if ("true".equals(System.getenv("CI"))) {
      assertThat(present).as(message).isTrue();
    } else {
      Assumptions.assumeTrue(present, message);
    }
  }

  /** Fails clearly when a port of the packaged default configuration is already taken. */
  private static void requireFreePorts() throws IOException {
    JsonObject config = new JsonObject(Files.readString(GatewayProcess.basedir().resolve("conf/config.json")));
    List<Integer> ports = new ArrayList<>();
    config.getJsonArray("listeners").forEach(l -> ports.add(((JsonObject) l).getInteger("port")));
    ports.add(config.getJsonObject("admin").getInteger("port"));
    for (int port : ports) {
      try (ServerSocket probe = new ServerSocket()) {
        probe.setReuseAddress(true);
        probe.bind(new InetSocketAddress("0.0.0.0", port));
      } catch (IOException e) {
        throw new AssertionError("port " + port + " is already in use (" + e.getMessage() + "): this test runs the"
          + " packaged default configuration on the README's fixed ports " + ports + "; stop whatever holds it"
          + " (ss -ltnp 'sport = :" + port + "')", e);
      }
    }
  }
}
