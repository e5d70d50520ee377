package io.tcpgate.cluster;

import io.tcpgate.testing.ChildProcess;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One tcpgate cluster node run as a child JVM ({@code java -Xmx256m -cp tcpgate.jar[:extra.jar] io.tcpgate.Main
 * -conf FILE}) on a {@link ChildProcess}: its stdout and stderr are read into one merged log, every wait on it is
 * bounded, {@link #close()} kills it forcibly.
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
    Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(node -> node.child.destroyForcibly()),
      "cluster-node-reaper"));
  }

  private final String name;
  private final ChildProcess child;
  private final Process watchdog;

  private ClusterNode(String name, List<String> command) throws IOException {
    this.name = name;
    this.child = ChildProcess.start(name, command, Map.of());
    RUNNING.add(this);
    watchdog = startWatchdog(child.pid());
  }

  /**
   * Starts {@code java <jvmArgs> -cp tcpgate.jar[:extra] io.tcpgate.Main -conf conf}.
   *
   * @param name a short name for logs and assertion messages
   */
  static ClusterNode start(String name, Path conf, List<String> jvmArgs, Path... extraClasspath)
    throws IOException {
    return new ClusterNode(name, ChildProcess.tcpgateCommand(jvmArgs, List.of(extraClasspath),
      List.of("-conf", conf.toString())));
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
    return ChildProcess.writeConfig(dir, fileName, json);
  }

  String name() {
    return name;
  }

  long pid() {
    return child.pid();
  }

  boolean isAlive() {
    return child.isAlive();
  }

  List<String> lines() {
    return child.lines();
  }

  String output() {
    return child.output();
  }

  /** Waits for the first output line in which {@code regex} is found. */
  Matcher awaitLine(String regex) {
    return awaitLine(Pattern.compile(regex), 0, WAIT);
  }

  /** Waits up to {@code timeout} for the first line from index {@code from} on in which {@code pattern} is found. */
  Matcher awaitLine(Pattern pattern, int from, Duration timeout) {
    return child.awaitLine(pattern, from, timeout);
  }

  /** How many lines have been read so far (a starting point for {@link #awaitLine(Pattern, int, Duration)}). */
  int lineCount() {
    return child.lineCount();
  }

  /** Waits for the startup log line of listener {@code listener} and returns the port it bound on 127.0.0.1. */
  int port(String listener) {
    return Integer.parseInt(awaitLine(ChildProcess.boundLoopback(listener), 0, WAIT).group(1));
  }

  /** Waits for the admin server's startup line and returns its port. */
  int adminPort() {
    return Integer.parseInt(awaitLine("admin server on 127\\.0\\.0\\.1:(\\d+) ").group(1));
  }

  /** Waits until the node reports that it started (it joined the cluster, deployed and bound everything). */
  ClusterNode awaitStarted() {
    awaitLine(ChildProcess.STARTED, 0, WAIT);
    return this;
  }

  /** SIGKILL, like a machine that vanished: no drain, no goodbye to the cluster. Waits until the process is gone. */
  void kill9() throws InterruptedException {
    child.kill9();
  }

  /** Sends a signal by name ({@code TERM}, {@code INT}) with {@code kill}. */
  void signal(String signal) throws IOException, InterruptedException {
    child.signal(signal);
  }

  /** Waits for the process to exit (bounded by {@link #WAIT}) and for its output to be read; returns the exit code. */
  int awaitExit() throws InterruptedException {
    return child.awaitExit(WAIT);
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
    child.stop();
    RUNNING.remove(this);
    watchdog.destroyForcibly();
  }

  /** {@link #stop()}, then prints the node's command line and whole output (for the failsafe report). */
  @Override
  public void close() throws InterruptedException {
    stop();
    child.printReport(toString());
  }

  @Override
  public String toString() {
    return name + " (pid " + child.pid() + "): " + child.commandLine();
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
}
