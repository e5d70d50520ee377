package io.tcpgate.process;

import io.tcpgate.testing.ChildProcess;
import io.tcpgate.testing.Shell;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bridge worker examples (examples/node-worker, examples/python-worker) run as their READMEs say, against the jar
 * on the example's config.json (ports made ephemeral), print the README's documented output.
 */
class WorkerExamplesIT {

  /** An nc command of a README: {@code $ printf '...' | nc ...}. */
  private static final Pattern COMMAND = Pattern.compile("^\\$ (printf '[^']*' \\| nc .*)$");
  private static final String PLACEHOLDER = "<connection id>";
  private static final Pattern BRIDGE_BOUND = Pattern.compile("event-bus bridge on 127\\.0\\.0\\.1:(\\d+)");
  private static final Pattern READY = Pattern.compile("^ready$");
  private static final int RUNS = 5;
  private static final long RUN_TIMEOUT_MS = 10_000;

  /** One documented run: the command and the lines it prints. */
  private record Example(String command, List<String> expected) {
  }


  @ParameterizedTest(name = "examples/{0}")
  @CsvSource({"node-worker, node, worker.js", "python-worker, python3, worker.py"})
  void workerExample_printsTheReadmesOutput_everyTime(String example, String interpreter, String script)
    throws Exception {
    requireTool(interpreter, "the " + example + " example needs " + interpreter);
    requireTool("nc", "the " + example + " example's README runs OpenBSD netcat (apt-get install netcat-openbsd)");
    Path dir = GatewayProcess.basedir().resolve("examples").resolve(example);
    List<Example> examples = examples(dir.resolve("README.md"));
    assertThat(examples).as("nc commands in %s/README.md, each followed by its output", example).hasSize(2);
    int documentedPort = new JsonObject(Files.readString(dir.resolve("config.json")))
      .getJsonArray("listeners").getJsonObject(0).getInteger("port");

    try (GatewayProcess gateway = GatewayProcess.jar()
      .jvmArg("-Dtcpgate.listeners.0.port=0")
      .jvmArg("-Dtcpgate.bridge.port=0")
      .jvmArg("-Dtcpgate.admin.port=0")
      .conf(dir.resolve("config.json"))
      .start()) {
      gateway.awaitStarted();
      int bridgePort = Integer.parseInt(gateway.awaitLine(BRIDGE_BOUND, GatewayProcess.WAIT).group(1));
      int port = gateway.port("lines");
      assertThat(List.of(bridgePort, port)).as("ephemeral ports").doesNotContain(documentedPort, 7010);

      ChildProcess worker = ChildProcess.start(example, List.of(interpreter, dir.resolve(script).toString()),
        Map.of("TCPGATE_BRIDGE_PORT", Integer.toString(bridgePort)));
      try {
        worker.awaitLine(READY, 0, GatewayProcess.WAIT);
        List<String> differences = new ArrayList<>();
        for (Example documented : examples) {
          String command = documented.command().replaceAll("\\b" + documentedPort + "\\b", Integer.toString(port));
          assertThat(command).as("the README's command with the real port").isNotEqualTo(documented.command());
          differences.addAll(runRepeatedly(command, documented.expected()));
        }
        assertThat(differences).as("runs whose output differed from %s/README.md", example).isEmpty();
        assertThat(worker.stderrLines()).as("the worker's stderr").isEmpty();
        assertThat(worker.isAlive()).as("the worker still runs").isTrue();
        gateway.assertNoErrorsOrStackTraces();
      } finally {
        worker.stop();
        worker.printReport(example + " worker");
      }
    }
  }

  /** Runs {@code command} {@value #RUNS} times at once; returns a description of each run that differed. */
  private static List<String> runRepeatedly(String command, List<String> expected) throws Exception {
    List<Pattern> patterns = expected.stream().map(WorkerExamplesIT::linePattern).toList();
    ExecutorService pool = Executors.newFixedThreadPool(RUNS);
    try {
      List<Future<Shell.Run>> runs = new ArrayList<>();
      for (int i = 0; i < RUNS; i++) {
        runs.add(pool.submit(() -> Shell.run(command, RUN_TIMEOUT_MS)));
      }
      List<String> differences = new ArrayList<>();
      for (Future<Shell.Run> future : runs) {
        Shell.Run run = future.get(RUN_TIMEOUT_MS * 2, TimeUnit.MILLISECONDS);
        if (!matches(run.stdout(), patterns)) {
          differences.add("`" + command + "` printed " + run.stdout() + " (exit " + run.exit() + ", stderr '"
            + run.stderr().trim() + "'), expected " + expected);
        }
      }
      System.out.printf("`%s`: %d of %d runs differed%n", command, differences.size(), RUNS);
      return differences;
    } finally {
      pool.shutdownNow();
    }
  }

  private static boolean matches(List<String> lines, List<Pattern> patterns) {
    if (lines.size() != patterns.size()) {
      return false;
    }
    for (int i = 0; i < lines.size(); i++) {
      if (!patterns.get(i).matcher(lines.get(i)).matches()) {
        return false;
      }
    }
    return true;
  }

  /** A documented line as a pattern: literal, except that {@value #PLACEHOLDER} matches any id. */
  private static Pattern linePattern(String line) {
    return Pattern.compile(Arrays.stream(line.split(Pattern.quote(PLACEHOLDER), -1)).map(Pattern::quote)
      .collect(Collectors.joining("\\S+")));
  }


  /**
   * The commands in the README's code blocks that start with {@code $ printf}, each with the lines after it up to
   * the next command or the end of the block.
   */
  private static List<Example> examples(Path readme) throws IOException {
    List<Example> examples = new ArrayList<>();
    boolean inBlock = false;
    String command = null;
    List<String> output = new ArrayList<>();
    for (String line : Files.readAllLines(readme, StandardCharsets.UTF_8)) {
      if (line.startsWith("```")) {
        if (command != null) {
          examples.add(new Example(command, List.copyOf(output)));
          command = null;
        }
        inBlock = !inBlock;
        continue;
      }
      if (!inBlock) {
        continue;
      }
      Matcher matcher = COMMAND.matcher(line);
      if (matcher.matches()) {
        if (command != null) {
          examples.add(new Example(command, List.copyOf(output)));
        }
        command = matcher.group(1);
        output.clear();
      } else if (command != null) {
        output.add(line);
      }
    }
    return examples;
  }

  /** A tool the example needs: where CI=true its absence fails the test; elsewhere the test is skipped. */
  private static void requireTool(String tool, String why) throws IOException, InterruptedException {
    Process which = new ProcessBuilder("bash", "-c", "command -v " + tool).redirectErrorStream(true).start();
    boolean present = which.waitFor(10, TimeUnit.SECONDS) && which.exitValue() == 0;
    String message = tool + " is not installed: " + why;
    if ("true".equals(System.getenv("CI"))) {
      assertThat(present).as(message).isTrue();
    } else {
      Assumptions.assumeTrue(present, message);
    }
  }
}
