package io.tcpgate.process;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * A tcpgate JVM run as a child process, the way an operator runs it: {@code java -jar tcpgate.jar [-conf FILE]} or
 * {@code java -cp tcpgate.jar:worker.jar io.tcpgate.Main -conf FILE}. Its stdout and stderr are read line by line
 * by two threads into one merged log (stderr is also kept apart); every wait on it is bounded. {@link #close()} kills
 * the process forcibly, so a test that uses try-with-resources leaves nothing running.
 */
final class GatewayProcess implements AutoCloseable {

  /** Upper bound for any single wait: startup, a log line, an exit. */
  static final Duration WAIT = Duration.ofSeconds(30);

  private static final Pattern BOUND = Pattern.compile("listener '([^']+)' bound 127\\.0\\.0\\.1:(\\d+) \\(");

  private final Process process;
  private final List<String> command;
  private final List<String> merged = new ArrayList<>();
  private final List<String> stderr = new ArrayList<>();
  private final Thread stdoutReader;
  private final Thread stderrReader;

  private GatewayProcess(List<String> command, Map<String, String> environment) throws IOException {
    this.command = List.copyOf(command);
    ProcessBuilder builder = new ProcessBuilder(command);
    // overrides and log settings inherited from the caller's environment would change what is under test
    builder.environment().keySet().removeIf(name -> name.startsWith("TCPGATE_") || name.startsWith("LOG_"));
    builder.environment().putAll(environment);
    builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    process = builder.start();
    stdoutReader = reader(process.getInputStream(), false, "stdout");
    stderrReader = reader(process.getErrorStream(), true, "stderr");
  }

  /** {@code java [jvm args] -jar tcpgate.jar [args]}. */
  static Builder jar() {
    return new Builder(null);
  }

  /** {@code java [jvm args] -cp tcpgate.jar:extra... io.tcpgate.Main [args]}. */
  static Builder classpath(Path... extra) {
    return new Builder(List.of(extra));
  }

  /** The fat jar under test: system property {@code tcpgate.jar}, set by failsafe. */
  static Path tcpgateJar() {
    String property = System.getProperty("tcpgate.jar");
    Path jar = property != null ? Path.of(property) : basedir().resolve("target/tcpgate.jar");
    assertThat(jar).as("the packaged jar (run `mvn package` first)").isRegularFile();
    return jar.toAbsolutePath();
  }

  /** The project directory: system property {@code tcpgate.basedir}, set by failsafe. */
  static Path basedir() {
    return Path.of(System.getProperty("tcpgate.basedir", System.getProperty("user.dir"))).toAbsolutePath();
  }

  /** The java launcher of the JVM running the tests. */
  static String javaCommand() {
    return ProcessHandle.current().info().command()
      .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  /** Writes {@code json} to {@code name} in {@code dir} and returns the file. */
  static Path writeConfig(Path dir, String name, String json) {
    try {
      return Files.writeString(dir.resolve(name), json, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Everything the process has written so far, stdout and stderr merged, one entry per line. */
  List<String> lines() {
    synchronized (merged) {
      return List.copyOf(merged);
    }
  }

  /** What the process has written to stderr so far, one entry per line. */
  List<String> stderrLines() {
    synchronized (merged) {
      return List.copyOf(stderr);
    }
  }

  /** The merged output as one text, for assertion messages. */
  String output() {
    return String.join("\n", lines());
  }

  /** Waits for the first output line in which {@code regex} is found and returns its match. */
  Matcher awaitLine(String regex) {
    return awaitLine(Pattern.compile(regex), WAIT);
  }

  /** Waits up to {@code timeout} for the first output line in which {@code pattern} is found. */
  Matcher awaitLine(Pattern pattern, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    int checked = 0;
    synchronized (merged) {
      while (true) {
        for (; checked < merged.size(); checked++) {
          Matcher matcher = pattern.matcher(merged.get(checked));
          if (matcher.find()) {
            return matcher;
          }
        }
        if (!stdoutReader.isAlive() && !stderrReader.isAlive()) {
          fail("the process ended without printing /%s/; exit code %s; output:%n%s", pattern, exitCodeOrNone(),
            String.join("\n", merged));
        }
        long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (remainingMs <= 0) {
          fail("no line matching /%s/ within %s; output:%n%s", pattern, timeout, String.join("\n", merged));
        }
        try {
          merged.wait(Math.min(remainingMs, 200));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }
    }
  }

  /** Waits for the startup log line of listener {@code name} and returns the port it bound on 127.0.0.1. */
  int port(String name) {
    Matcher matcher = awaitLine(
      Pattern.compile("listener '" + Pattern.quote(name) + "' bound 127\\.0\\.0\\.1:(\\d+) \\("), WAIT);
    return Integer.parseInt(matcher.group(1));
  }

  /** The ports of every listener bound so far, by name. */
  Map<String, Integer> boundPorts() {
    Map<String, Integer> ports = new LinkedHashMap<>();
    for (String line : lines()) {
      Matcher matcher = BOUND.matcher(line);
      if (matcher.find()) {
        ports.put(matcher.group(1), Integer.parseInt(matcher.group(2)));
      }
    }
    return ports;
  }

  /** Waits until the gateway reports that it started. */
  GatewayProcess awaitStarted() {
    awaitLine("tcpgate started with \\d+ listener");
    return this;
  }

  /** Sends a signal by name ({@code TERM}, {@code INT}) with {@code kill}. */
  void signal(String name) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).redirectErrorStream(true)
      .start();
    assertThat(kill.waitFor(10, TimeUnit.SECONDS)).as("kill -%s returned", name).isTrue();
    assertThat(kill.exitValue()).as("exit code of kill -%s %d", name, process.pid()).isZero();
  }

  /** Waits for the process to exit and for its output to be read completely; returns the exit code. */
  int awaitExit() throws InterruptedException {
    return awaitExit(WAIT);
  }

  int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      fail("the process did not exit within %s; output:%n%s", timeout, output());
    }
    stdoutReader.join(TimeUnit.SECONDS.toMillis(10));
    stderrReader.join(TimeUnit.SECONDS.toMillis(10));
    return process.exitValue();
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
    if (process.isAlive()) {
      process.destroyForcibly();
    }
    process.waitFor(10, TimeUnit.SECONDS);
    stdoutReader.join(TimeUnit.SECONDS.toMillis(5));
    stderrReader.join(TimeUnit.SECONDS.toMillis(5));
    // kept in target/failsafe-reports/*-output.txt, to diagnose a failure after the fact
    System.out.println("---- " + this + (process.isAlive() ? "" : " (exit " + process.exitValue() + ")")
      + System.lineSeparator() + output());
  }

  @Override
  public String toString() {
    return "pid " + process.pid() + ": " + String.join(" ", command);
  }

  private String exitCodeOrNone() {
    return process.isAlive() ? "(still running)" : Integer.toString(process.exitValue());
  }

  private Thread reader(InputStream stream, boolean isStderr, String name) {
    Thread thread = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          synchronized (merged) {
            merged.add(line);
            if (isStderr) {
              stderr.add(line);
            }
            merged.notifyAll();
          }
        }
      } catch (IOException e) {
        // the stream closes when the process is killed
      } finally {
        synchronized (merged) {
          merged.notifyAll();
        }
      }
    }, "gateway-" + process.pid() + "-" + name);
    thread.setDaemon(true);
    thread.start();
    return thread;
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
      List<String> java = new ArrayList<>();
      java.add(javaCommand());
      java.addAll(jvmArgs);
      if (extraClasspath == null) {
        java.add("-jar");
        java.add(tcpgateJar().toString());
      } else {
        java.add("-cp");
        java.add(Stream.concat(Stream.of(tcpgateJar()), extraClasspath.stream()).map(Path::toString)
          .collect(Collectors.joining(File.pathSeparator)));
        java.add("io.tcpgate.Main");
      }
      java.addAll(args);
      List<String> command = new ArrayList<>();
      if (fileLimit > 0) {
        command.add("bash");
        command.add("-c");
        command.add("ulimit -n " + fileLimit + " && exec \"$@\"");
        command.add("bash");
      }
      command.addAll(java);
      return new GatewayProcess(command, environment);
    }
  }
}
