package io.tcpgate.testing;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A real HAProxy in front of tcpgate, as a child process in the foreground ({@code haproxy -f cfg -db}): TCP mode,
 * one frontend on 127.0.0.1 per {@link Route}, each to one backend server with its own options ({@code send-proxy},
 * {@code send-proxy-v2}, ...). Every session is logged to stderr when it ends, with the addresses of both of its
 * connections ({@link #LOG_FORMAT}). Frontend ports are picked free and picked again if HAProxy cannot bind them.
 */
public final class Haproxy implements AutoCloseable {

  /** A frontend on a free port of 127.0.0.1 forwarding to {@code 127.0.0.1:backendPort} with {@code serverOptions}. */
  public record Route(String name, int backendPort, String serverOptions) {
  }

  /**
   * Every session's log line: the frontend, the client's address and port, the address and port HAProxy connected
   * from to the backend server.
   */
  public static final String LOG_FORMAT = "session fe=%f client=%ci:%cp backend-source=%bi:%bp";

  private static final int BIND_ATTEMPTS = 5;

  private final ChildProcess process;
  private final Map<String, Integer> ports;

  private Haproxy(ChildProcess process, Map<String, Integer> ports) {
    this.process = process;
    this.ports = ports;
  }

  /** The haproxy program: on the PATH, or Debian's /usr/sbin/haproxy (not on every user's PATH). */
  public static Optional<Path> executable() {
    for (String dir : (System.getenv().getOrDefault("PATH", "") + java.io.File.pathSeparator + "/usr/sbin")
      .split(java.io.File.pathSeparator)) {
      if (!dir.isEmpty()) {
        Path candidate = Path.of(dir, "haproxy");
        if (Files.isExecutable(candidate)) {
          return Optional.of(candidate);
        }
      }
    }
    return Optional.empty();
  }

  /**
   * HAProxy must be there: where CI=true its absence fails the test (.ci/run installs it); elsewhere, a machine with
   * only a JDK and Maven, the test is skipped with the same message.
   */
  public static Path require() {
    Optional<Path> haproxy = executable();
    String message = "haproxy is not installed: the tests behind a real HAProxy need it (Debian/Ubuntu: apt-get"
      + " install haproxy; .ci/run installs it)";
    if ("true".equals(System.getenv("CI"))) {
      if (haproxy.isEmpty()) {
        throw new AssertionError(message);
      }
    } else {
      Assumptions.assumeTrue(haproxy.isPresent(), message);
    }
    return haproxy.orElseThrow();
  }

  /** Starts HAProxy with {@code routes}, its configuration in {@code dir}; returns once every frontend accepts. */
  public static Haproxy start(Path dir, List<Route> routes) throws IOException, InterruptedException {
    Path haproxy = require();
    AssertionError last = null;
    for (int attempt = 1; attempt <= BIND_ATTEMPTS; attempt++) {
      Map<String, Integer> ports = new LinkedHashMap<>();
      for (Route route : routes) {
        ports.put(route.name(), freePort());
      }
      Path config = Files.writeString(dir.resolve("haproxy-" + attempt + ".cfg"), config(routes, ports));
      ChildProcess process = ChildProcess.start("haproxy", List.of(haproxy.toString(), "-f", config.toString(),
        "-db"), Map.of());
      try {
        awaitListening(process, ports);
        return new Haproxy(process, ports);
      } catch (AssertionError e) {
        process.stop();
        last = new AssertionError(e.getMessage() + "\nconfiguration:\n" + Files.readString(config), e);
        if (!bindFailure(process)) {
          throw last;
        }
        // another process took a port between our check and HAProxy's bind: new ports, new attempt
      }
    }
    throw last;
  }

  /** The frontend port of route {@code name}. */
  public int port(String name) {
    Integer port = ports.get(name);
    if (port == null) {
      throw new IllegalArgumentException("no route " + name + " in " + ports.keySet());
    }
    return port;
  }

  /** HAProxy's output: startup messages and the session log. */
  public ChildProcess process() {
    return process;
  }

  /** Stops HAProxy (SIGKILL: nothing to save) and waits for it, bounded. */
  @Override
  public void close() throws InterruptedException {
    process.stop();
  }

  private static String config(List<Route> routes, Map<String, Integer> ports) {
    StringBuilder cfg = new StringBuilder()
      .append("global\n")
      .append("  log stderr format raw local0\n")
      .append("  nbthread 1\n")
      .append("defaults\n")
      .append("  mode tcp\n")
      .append("  log global\n")
      .append("  log-format \"").append(LOG_FORMAT).append("\"\n")
      .append("  timeout connect 2s\n")
      .append("  timeout client 10s\n")
      .append("  timeout server 10s\n");
    for (Route route : routes) {
      cfg.append("frontend fe_").append(route.name()).append('\n')
        .append("  bind 127.0.0.1:").append(ports.get(route.name())).append('\n')
        .append("  default_backend be_").append(route.name()).append('\n')
        .append("backend be_").append(route.name()).append('\n')
        .append("  server gw 127.0.0.1:").append(route.backendPort()).append(' ').append(route.serverOptions())
        .append('\n');
    }
    return cfg.toString();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(false);
      socket.bind(new InetSocketAddress("127.0.0.1", 0));
      return socket.getLocalPort();
    }
  }

  /**
   * Polls a TCP connect to every frontend (10 s at most), failing early if HAProxy exits. A connect that succeeds
   * counts only once HAProxy logs that session: whoever else might hold the port would not.
   */
  private static void awaitListening(ChildProcess process, Map<String, Integer> ports) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    Map<String, Integer> waiting = new LinkedHashMap<>(ports);
    while (!waiting.isEmpty()) {
      if (!process.isAlive()) {
        throw new AssertionError("haproxy exited (" + process.exitCodeOrNone() + ") before listening:\n"
          + process.output());
      }
      for (var route : List.copyOf(waiting.entrySet())) {
        int from = process.lineCount();
        int clientPort = connectAndClose(route.getValue());
        if (clientPort > 0) {
          process.awaitLine(Pattern.compile("fe=fe_" + Pattern.quote(route.getKey()) + " client=127\\.0\\.0\\.1:"
            + clientPort + " "), from, Duration.ofSeconds(5));
          waiting.remove(route.getKey());
        }
      }
      if (waiting.isEmpty()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("haproxy not listening on " + waiting + " after 10 s:\n" + process.output());
      }
      Thread.sleep(20);
    }
  }

  /** The local port of a connection to {@code port} that was accepted and closed, or -1 if none was accepted. */
  private static int connectAndClose(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
      return socket.getLocalPort();
    } catch (IOException e) {
      return -1;
    }
  }

  private static boolean bindFailure(ChildProcess process) throws InterruptedException {
    process.awaitExit(Duration.ofSeconds(10));
    String output = process.output();
    return output.contains("cannot bind") || output.contains("Address already in use");
  }
}
