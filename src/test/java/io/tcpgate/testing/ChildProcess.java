package io.tcpgate.testing;

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
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A tcpgate JVM (or anything else) run as a child process of the tests: stdin from /dev/null, no {@code TCPGATE_*}
 * or {@code LOG_*} variable inherited from the caller, stdout and stderr read line by line by two daemon threads
 * into one merged log (stderr also kept apart). Every wait is bounded and fails with an {@link AssertionError}
 * that carries the output; no assertion library, so plain {@code main} programs can use it too.
 */
public final class ChildProcess {

  /** The line a tcpgate process logs once it has joined, deployed and bound everything. */
  public static final Pattern STARTED = Pattern.compile("tcpgate started with \\d+ listener");
  /** A listener's bind line on 127.0.0.1: group 1 the listener's name, group 2 its port. */
  public static final Pattern BOUND_LOOPBACK = Pattern.compile("listener '([^']+)' bound 127\\.0\\.0\\.1:(\\d+) \\(");

  private final String name;
  private final Process process;
  private final List<String> command;
  private final List<String> merged = new ArrayList<>();
  private final List<String> stderr = new ArrayList<>();
  private final Thread stdoutReader;
  private final Thread stderrReader;

  private ChildProcess(String name, List<String> command, Map<String, String> environment) throws IOException {
    this.name = name;
    this.command = List.copyOf(command);
    ProcessBuilder builder = new ProcessBuilder(command);
    // overrides and log settings inherited from the caller's environment would change what is under test
    builder.environment().keySet().removeIf(n -> n.startsWith("TCPGATE_") || n.startsWith("LOG_"));
    builder.environment().putAll(environment);
    builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    process = builder.start();
    stdoutReader = reader(process.getInputStream(), false, "stdout");
    stderrReader = reader(process.getErrorStream(), true, "stderr");
  }

  /**
   * Starts {@code command} with {@code environment} on top of the test JVM's (without its {@code TCPGATE_*} and
   * {@code LOG_*} variables).
   *
   * @param name a short name for thread names and failure messages
   */
  public static ChildProcess start(String name, List<String> command, Map<String, String> environment)
    throws IOException {
    return new ChildProcess(name, command, environment);
  }

  /** The fat jar under test: system property {@code tcpgate.jar} (set by failsafe), else target/tcpgate.jar. */
  public static Path tcpgateJar() {
    String property = System.getProperty("tcpgate.jar");
    Path jar = property != null ? Path.of(property) : basedir().resolve("target/tcpgate.jar");
    if (!Files.isRegularFile(jar)) {
      throw new AssertionError("the packaged jar " + jar + " is missing (run `mvn package` first)");
    }
    return jar.toAbsolutePath();
  }

  /** The project directory: system property {@code tcpgate.basedir} (set by failsafe), else the working directory. */
  public static Path basedir() {
    return Path.of(System.getProperty("tcpgate.basedir", System.getProperty("user.dir"))).toAbsolutePath();
  }

  /** The bind line of listener {@code listener} on 127.0.0.1: group 1 is its port. */
  public static Pattern boundLoopback(String listener) {
    return Pattern.compile("listener '" + Pattern.quote(listener) + "' bound 127\\.0\\.0\\.1:(\\d+) \\(");
  }

  /**
   * {@code java <jvmArgs> -jar tcpgate.jar <args>}, or with {@code extraClasspath} not null
   * {@code java <jvmArgs> -cp tcpgate.jar:extra... io.tcpgate.Main <args>}.
   */
  public static List<String> tcpgateCommand(List<String> jvmArgs, List<Path> extraClasspath, List<String> args) {
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
    return java;
  }

  /** The java launcher of the JVM running the tests. */
  public static String javaCommand() {
    return ProcessHandle.current().info().command()
      .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  /** Writes {@code json} to {@code fileName} in {@code dir} and returns the file. */
  public static Path writeConfig(Path dir, String fileName, String json) {
    try {
      return Files.writeString(dir.resolve(fileName), json, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** The exit code, or {@code "(still running)"}. */
  public String exitCodeOrNone() {
    return process.isAlive() ? "(still running)" : Integer.toString(process.exitValue());
  }

  /** Everything the process has written so far, stdout and stderr merged, one entry per line. */
  public List<String> lines() {
    synchronized (merged) {
      return List.copyOf(merged);
    }
  }

  /** What the process has written to stderr so far, one entry per line. */
  public List<String> stderrLines() {
    synchronized (merged) {
      return List.copyOf(stderr);
    }
  }

  /** How many lines have been read so far (a starting point for {@link #awaitLine(Pattern, int, Duration)}). */
  public int lineCount() {
    synchronized (merged) {
      return merged.size();
    }
  }

  /** The merged output as one text, for failure messages. */
  public String output() {
    return String.join("\n", lines());
  }

  /** Waits up to {@code timeout} for the first line from index {@code from} on in which {@code pattern} is found. */
  public Matcher awaitLine(Pattern pattern, int from, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    int checked = from;
    synchronized (merged) {
      while (true) {
        for (; checked < merged.size(); checked++) {
          Matcher matcher = pattern.matcher(merged.get(checked));
          if (matcher.find()) {
            return matcher;
          }
        }
        if (!stdoutReader.isAlive() && !stderrReader.isAlive()) {
          throw new AssertionError(name + " ended without printing /" + pattern + "/; exit code " + exitCodeOrNone()
            + "; output:\n" + String.join("\n", merged));
        }
        long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (remainingMs <= 0) {
          throw new AssertionError(name + ": no line matching /" + pattern + "/ within " + timeout + "; output:\n"
            + String.join("\n", merged));
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

  /** Sends a signal by name ({@code TERM}, {@code INT}, {@code STOP}) with {@code kill}. */
  public void signal(String signal) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).redirectErrorStream(true)
      .start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new AssertionError("kill -" + signal + " " + process.pid() + " failed");
    }
  }

  /** Waits up to {@code timeout} for the process to exit and for its output to be read; returns the exit code. */
  public int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(name + " did not exit within " + timeout + "; output:\n" + output());
    }
    stdoutReader.join(TimeUnit.SECONDS.toMillis(10));
    stderrReader.join(TimeUnit.SECONDS.toMillis(10));
    return process.exitValue();
  }

  /** SIGKILL, without waiting. */
  public void destroyForcibly() {
    process.destroyForcibly();
  }

  /** SIGKILL, and waits (up to 10 s) until the process is gone. */
  public void kill9() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      throw new AssertionError(name + " (pid " + process.pid() + ") survived SIGKILL for 10 s");
    }
  }

  /** Kills the process if it still runs, waits for it and for its output to be read. */
  public void stop() throws InterruptedException {
    if (process.isAlive()) {
      process.destroyForcibly();
    }
    process.waitFor(10, TimeUnit.SECONDS);
    stdoutReader.join(TimeUnit.SECONDS.toMillis(5));
    stderrReader.join(TimeUnit.SECONDS.toMillis(5));
  }

  /** Prints the command line, exit code and whole output (kept in target/failsafe-reports/*-output.txt). */
  public void printReport(String description) {
    System.out.println("---- " + description + (process.isAlive() ? "" : " (exit " + process.exitValue() + ")")
      + System.lineSeparator() + output());
  }

  /** The command line, space-separated. */
  public String commandLine() {
    return String.join(" ", command);
  }

  private Thread reader(InputStream stream, boolean isStderr, String which) {
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
    }, name + "-" + process.pid() + "-" + which);
    thread.setDaemon(true);
    thread.start();
    return thread;
  }
}
