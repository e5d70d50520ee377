package io.tcpgate.cluster;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * One tcpgate cluster node run as a child JVM ({@code java -Xmx256m -cp tcpgate.jar[:extra.jar] io.tcpgate.Main
 * -conf FILE}), adapted from {@code io.tcpgate.process.GatewayProcess} (package-private there): its stdout and
 * stderr are read into one merged log, every wait on it is bounded, {@link #close()} kills it forcibly.
 *
 * <p>Two safeties keep a node from outliving the test: a shutdown hook of the test JVM kills every node still
 * running, and a tiny watchdog process per node ({@code bash}, one {@code kill -0} a second) kills it with SIGKILL
 * as soon as the test JVM is gone (even when the test JVM itself was killed with SIGKILL) or after
 * {@link #MAX_LIFETIME}.
 *
 * <p>No assertion library: {@link HopCostBenchmark} runs it from a plain {@code main}.
 */
final class ClusterNode implements AutoCloseable {

  /** Upper bound for a single wait on a node's log. */
  static final Duration WAIT = Duration.ofSeconds(60);
  /** The watchdog kills a node that is still running after this long, whatever the test does. */
  static final Duration MAX_LIFETIME = Duration.ofMinutes(10);

  private static final Set<ClusterNode> RUNNING = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(node -> node.process.destroyForcibly()),
      "cluster-node-reaper"));
  }

  private final String name;
  private final Process process;
  private final Process watchdog;
  private final List<String> command;
  private final List<String> merged = new ArrayList<>();
  private final Thread stdoutReader;
  private final Thread stderrReader;

  private ClusterNode(String name, List<String> command) throws IOException {
    this.name = name;
    this.command = List.copyOf(command);
    ProcessBuilder builder = new ProcessBuilder(command);
    // overrides and log settings inherited from the caller's environment would change what is under test
    builder.environment().keySet().removeIf(n -> n.startsWith("TCPGATE_") || n.startsWith("LOG_"));
    builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    process = builder.start();
    RUNNING.add(this);
    watchdog = startWatchdog(process.pid());
    stdoutReader = reader(process.getInputStream(), "stdout");
    stderrReader = reader(process.getErrorStream(), "stderr");
  }

  /**
   * Starts {@code java <jvmArgs> -cp tcpgate.jar[:extra] io.tcpgate.Main -conf conf}.
   *
   * @param name a short name for logs and assertion messages
   */
  static ClusterNode start(String name, Path conf, List<String> jvmArgs, Path... extraClasspath)
    throws IOException {
    List<String> java = new ArrayList<>();
    java.add(javaCommand());
    java.addAll(jvmArgs);
    java.add("-cp");
    java.add(Stream.concat(Stream.of(tcpgateJar()), Stream.of(extraClasspath)).map(Path::toString)
      .collect(Collectors.joining(File.pathSeparator)));
    java.add("io.tcpgate.Main");
    java.add("-conf");
    java.add(conf.toString());
    return new ClusterNode(name, java);
  }

  /** The fat jar under test: system property {@code tcpgate.jar} (set by failsafe), else target/tcpgate.jar. */
  static Path tcpgateJar() {
    String property = System.getProperty("tcpgate.jar");
    Path jar = property != null ? Path.of(property) : basedir().resolve("target/tcpgate.jar");
    if (!Files.isRegularFile(jar)) {
      throw new AssertionError("the packaged jar " + jar + " is missing (run `mvn package` first)");
    }
    return jar.toAbsolutePath();
  }

  /** The project directory: system property {@code tcpgate.basedir} (set by failsafe), else the working directory. */
  static Path basedir() {
    return Path.of(System.getProperty("tcpgate.basedir", System.getProperty("user.dir"))).toAbsolutePath();
  }

  static String javaCommand() {
    return ProcessHandle.current().info().command()
      .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  /** {@code n} distinct TCP ports that were free on 127.0.0.1 a moment ago. */
  static int[] freePorts(int n) {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      int[] ports = new int[n];
      for (int i = 0; i < n; i++) {
        ServerSocket socket = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        sockets.add(socket);
        ports[i] = socket.getLocalPort();
      }
      return ports;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      for (ServerSocket socket : sockets) {
        try {
          socket.close();
        } catch (IOException ignored) {
          // nothing to do
        }
      }
    }
  }

  static Path writeConfig(Path dir, String fileName, String json) {
    try {
      return Files.writeString(dir.resolve(fileName), json, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String name() {
    return name;
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  List<String> lines() {
    synchronized (merged) {
      return List.copyOf(merged);
    }
  }

  String output() {
    return String.join("\n", lines());
  }

  /** Waits for the first output line in which {@code regex} is found. */
  Matcher awaitLine(String regex) {
    return awaitLine(Pattern.compile(regex), 0, WAIT);
  }

  /** Waits up to {@code timeout} for the first line from index {@code from} on in which {@code pattern} is found. */
  Matcher awaitLine(Pattern pattern, int from, Duration timeout) {
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
          throw new AssertionError(name + " ended without printing /" + pattern + "/; exit code "
            + (process.isAlive() ? "(running)" : process.exitValue()) + "; output:\n" + String.join("\n", merged));
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

  /** How many lines have been read so far (a starting point for {@link #awaitLine(Pattern, int, Duration)}). */
  int lineCount() {
    synchronized (merged) {
      return merged.size();
    }
  }

  /** Waits for the startup log line of listener {@code listener} and returns the port it bound on 127.0.0.1. */
  int port(String listener) {
    return Integer.parseInt(awaitLine(Pattern.compile("listener '" + Pattern.quote(listener)
      + "' bound 127\\.0\\.0\\.1:(\\d+) \\("), 0, WAIT).group(1));
  }

  /** Waits for the admin server's startup line and returns its port. */
  int adminPort() {
    return Integer.parseInt(awaitLine("admin server on 127\\.0\\.0\\.1:(\\d+) ").group(1));
  }

  /** Waits until the node reports that it started (it joined the cluster, deployed and bound everything). */
  ClusterNode awaitStarted() {
    awaitLine("tcpgate started with \\d+ listener");
    return this;
  }

  /** SIGKILL, like a machine that vanished: no drain, no goodbye to the cluster. Waits until the process is gone. */
  void kill9() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      throw new AssertionError(name + " (pid " + process.pid() + ") survived SIGKILL for 10 s");
    }
  }

  /** Sends a signal by name ({@code TERM}, {@code INT}) with {@code kill}. */
  void signal(String name) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).redirectErrorStream(true)
      .start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new AssertionError("kill -" + name + " " + process.pid() + " failed");
    }
  }

  /** Waits for the process to exit (bounded by {@link #WAIT}) and for its output to be read; returns the exit code. */
  int awaitExit() throws InterruptedException {
    if (!process.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(name + " did not exit within " + WAIT + "; output:\n" + output());
    }
    stdoutReader.join(TimeUnit.SECONDS.toMillis(10));
    stderrReader.join(TimeUnit.SECONDS.toMillis(10));
    return process.exitValue();
  }

  /**
   * SIGSTOP: the process hangs with its sockets open, like a node that froze or dropped off the network; nothing
   * closes its connections, so only the cluster's heartbeat timeout notices. {@link #kill9()} still ends it.
   */
  void freeze() throws IOException, InterruptedException {
    signal("STOP");
  }

  /** Kills the process if it still runs and waits for it, printing nothing. */
  void stop() throws InterruptedException {
    if (process.isAlive()) {
      process.destroyForcibly();
    }
    process.waitFor(10, TimeUnit.SECONDS);
    RUNNING.remove(this);
    watchdog.destroyForcibly();
    stdoutReader.join(TimeUnit.SECONDS.toMillis(5));
    stderrReader.join(TimeUnit.SECONDS.toMillis(5));
  }

  /** {@link #stop()}, then prints the node's command line and whole output (for the failsafe report). */
  @Override
  public void close() throws InterruptedException {
    stop();
    // kept in target/failsafe-reports/*-output.txt, to diagnose a failure after the fact
    System.out.println("---- " + this + (process.isAlive() ? "" : " (exit " + process.exitValue() + ")")
      + System.lineSeparator() + output());
  }

  @Override
  public String toString() {
    return name + " (pid " + process.pid() + "): " + String.join(" ", command);
  }

  /** Kills {@code pid} once the test JVM is gone or {@link #MAX_LIFETIME} has passed; ends by itself with the node. */
  private static Process startWatchdog(long pid) throws IOException {
    String script = "end=$((SECONDS+" + MAX_LIFETIME.toSeconds() + "));"
      + " while kill -0 " + ProcessHandle.current().pid() + " 2>/dev/null && kill -0 " + pid + " 2>/dev/null"
      + " && [ $SECONDS -lt $end ]; do sleep 1; done; kill -9 " + pid + " 2>/dev/null; exit 0";
    return new ProcessBuilder("bash", "-c", script)
      .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
      .redirectOutput(ProcessBuilder.Redirect.DISCARD)
      .redirectError(ProcessBuilder.Redirect.DISCARD)
      .start();
  }

  private Thread reader(InputStream stream, String which) {
    Thread thread = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          synchronized (merged) {
            merged.add(line);
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
    }, name + "-" + which);
    thread.setDaemon(true);
    thread.start();
    return thread;
  }
}
