package io.tcpgate.process;

import io.tcpgate.testing.ChildProcess;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A tcpgate JVM run as a child process, the way an operator runs it: {@code java -jar tcpgate.jar [-conf FILE]} or
 * {@code java -cp tcpgate.jar:worker.jar io.tcpgate.Main -conf FILE}, on a {@link ChildProcess} (merged stdout and
 * stderr, bounded waits). {@link #close()} kills the process forcibly, so a test that uses try-with-resources leaves
 * nothing running.
 */
final class GatewayProcess implements AutoCloseable {

  /** Upper bound for any single wait: startup, a log line, an exit. */
  static final Duration WAIT = Duration.ofSeconds(30);

  private final ChildProcess child;

  private GatewayProcess(ChildProcess child) {
    this.child = child;
  }

  /** {@code java [jvm args] -jar tcpgate.jar [args]}. */
  static Builder jar() {
    return new Builder(null);
  }

  /** {@code java [jvm args] -cp tcpgate.jar:extra... io.tcpgate.Main [args]}. */
  static Builder classpath(Path... extra) {
    return new Builder(List.of(extra));
  }

  /** The fat jar under test (see {@link ChildProcess#tcpgateJar()}). */
  static Path tcpgateJar() {
    return ChildProcess.tcpgateJar();
  }

  /** The project directory (see {@link ChildProcess#basedir()}). */
  static Path basedir() {
    return ChildProcess.basedir();
  }

  /** Writes {@code json} to {@code name} in {@code dir} and returns the file. */
  static Path writeConfig(Path dir, String name, String json) {
    return ChildProcess.writeConfig(dir, name, json);
  }

  long pid() {
    return child.pid();
  }

  boolean isAlive() {
    return child.isAlive();
  }

  /** Everything the process has written so far, stdout and stderr merged, one entry per line. */
  List<String> lines() {
    return child.lines();
  }

  /** What the process has written to stderr so far, one entry per line. */
  List<String> stderrLines() {
    return child.stderrLines();
  }

  /** The merged output as one text, for assertion messages. */
  String output() {
    return child.output();
  }

  /** Waits for the first output line in which {@code regex} is found and returns its match. */
  Matcher awaitLine(String regex) {
    return awaitLine(Pattern.compile(regex), WAIT);
  }

  /** Waits up to {@code timeout} for the first output line in which {@code pattern} is found. */
  Matcher awaitLine(Pattern pattern, Duration timeout) {
    return child.awaitLine(pattern, 0, timeout);
  }

  /** Waits for the startup log line of listener {@code name} and returns the port it bound on 127.0.0.1. */
  int port(String name) {
    return Integer.parseInt(awaitLine(ChildProcess.boundLoopback(name), WAIT).group(1));
  }

  /** The ports of every listener bound so far, by name. */
  Map<String, Integer> boundPorts() {
    Map<String, Integer> ports = new LinkedHashMap<>();
    for (String line : lines()) {
      Matcher matcher = ChildProcess.BOUND_LOOPBACK.matcher(line);
      if (matcher.find()) {
        ports.put(matcher.group(1), Integer.parseInt(matcher.group(2)));
      }
    }
    return ports;
  }

  /** Waits until the gateway reports that it started. */
  GatewayProcess awaitStarted() {
    awaitLine(ChildProcess.STARTED, WAIT);
    return this;
  }

  /** Sends a signal by name ({@code TERM}, {@code INT}) with {@code kill}. */
  void signal(String name) throws IOException, InterruptedException {
    child.signal(name);
  }

  /** Waits for the process to exit and for its output to be read completely; returns the exit code. */
  int awaitExit() throws InterruptedException {
    return awaitExit(WAIT);
  }

  int awaitExit(Duration timeout) throws InterruptedException {
    return child.awaitExit(timeout);
  }

  /** Asserts that nothing was logged at ERROR level and that no stack trace was printed. */
  void assertNoErrorsOrStackTraces() {
    List<String> lines = lines();
    assertThat(lines).as("ERROR lines in:%n%s", output()).noneMatch(line -> line.contains(" ERROR "));
    assertThat(lines).as("stack-trace lines in:%n%s", output())
      .noneMatch(line -> line.startsWith("\tat ") || line.matches("^\\s+at [\\w$.]+\\(.*\\)$")
        || line.startsWith("Caused by: "));
  }

  @Override
  public void close() throws InterruptedException {
    child.stop();
    child.printReport(toString());
  }

  @Override
  public String toString() {
    return "pid " + child.pid() + ": " + child.commandLine();
  }

  /** How to launch one gateway process. */
  static final class Builder {

    private final List<Path> extraClasspath;
    private final List<String> jvmArgs = new ArrayList<>();
    private final List<String> args = new ArrayList<>();
    private final Map<String, String> environment = new LinkedHashMap<>();
    private int fileLimit = -1;

    private Builder(List<Path> extraClasspath) {
      this.extraClasspath = extraClasspath;
    }

    /** A JVM option such as {@code -Dtcpgate.listeners.0.port=0}, placed before {@code -jar}/{@code -cp}. */
    Builder jvmArg(String arg) {
      jvmArgs.add(arg);
      return this;
    }

    /** {@code -conf file}. */
    Builder conf(Path file) {
      return args("-conf", file.toString());
    }

    /** Program arguments after the jar or main class. */
    Builder args(String... more) {
      args.addAll(List.of(more));
      return this;
    }

    /** An environment variable of the child (on top of the test JVM's environment). */
    Builder env(String name, String value) {
      environment.put(name, value);
      return this;
    }

    /** Runs the JVM under {@code ulimit -n limit} (through bash, which execs java so the pid stays the JVM's). */
    Builder fileLimit(int limit) {
      fileLimit = limit;
      return this;
    }

    GatewayProcess start() throws IOException {
      List<String> java = ChildProcess.tcpgateCommand(jvmArgs, extraClasspath, args);
      List<String> command = new ArrayList<>();
      if (fileLimit > 0) {
        command.add("bash");
        command.add("-c");
        command.add("ulimit -n " + fileLimit + " && exec \"$@\"");
        command.add("bash");
      }
      command.addAll(java);
      return new GatewayProcess(ChildProcess.start("gateway", command, environment));
    }
  }
}
