package io.tcpgate.process;

import io.tcpgate.testing.RawClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * Graceful shutdown on SIGTERM and SIGINT: frames already received get their replies, in order; frames that arrive
 * after the drain began get {@code ERR shutting-down}; new connections are refused; the process exits 0.
 * The in-flight frames are held by the example {@code DelayWorker}, deployed from its own jar.
 */
class ShutdownIT {

  /** Long enough for the signal, the drain and the late frame to happen while the first replies are pending. */
  private static final long DELAY_MS = 2_000;
  /** Threads connecting in a loop while the listener stops. */
  private static final int KNOCKERS = 4;

  @TempDir
  static Path buildDir;

  private static Path workerJar;

  @TempDir
  Path dir;

  @BeforeAll
  static void buildExample() throws Exception {
    workerJar = ExampleWorkerJar.build(buildDir);
  }

  @Test
  void sigtermRepliesToFramesInFlightInOrderRefusesLateFramesAndNewConnectionsThenExits0() throws Exception {
    Path conf = slowConfig();
    // DEBUG shows the per-connection drain line, which tells when the connection has begun refusing frames
    try (GatewayProcess gateway = GatewayProcess.classpath(workerJar).conf(conf).env("LOG_LEVEL", "DEBUG").start()) {
      int port = gateway.port("slow");
      gateway.awaitStarted();
      try (RawClient client = RawClient.connect(port)) {
        client.send("one\ntwo\nthree\n");
        Matcher third = gateway.awaitLine("delay-worker received frame 3 of connection (\\S+),");
        String connection = third.group(1);

        gateway.signal("TERM");
        gateway.awaitLine("shutdown requested");
        gateway.awaitLine("\\[c-" + Pattern.quote(connection) + "\\] draining: 3 replies pending");

        awaitNotListening(port);
        assertConnectionRefused(port);
        assertThat(gateway.output()).as("refused while still draining").doesNotContain("drain complete");
        client.send("late\n");

        assertThat(client.readLine()).isEqualTo("one");
        assertThat(client.readLine()).isEqualTo("two");
        assertThat(client.readLine()).isEqualTo("three");
        assertThat(client.readLine()).isEqualTo("ERR shutting-down");
        assertThat(client.awaitClosedByServer()).as("closed after the last reply").isTrue();
      }
      assertThat(gateway.awaitExit()).as("exit code; output:%n%s", gateway.output()).isZero();
      assertThat(gateway.output())
        .doesNotContain("delay-worker received frame 4")
        .contains("drain complete; 0 connection(s) still open", "tcpgate stopped")
        .doesNotContain("drain did not finish cleanly");
      gateway.assertNoErrorsOrStackTraces();
    }
  }

  @Test
  void sigintDrainsAndExits0() throws Exception {
    assumeThat(sigintIgnored()).as("SIGINT is ignored by this test JVM (started in the background by a shell"
      + " without job control), so a child JVM inherits SIG_IGN and cannot handle it").isFalse();
    Path conf = GatewayProcess.writeConfig(dir, "echo.json", """
      {
        "admin": {"enabled": false},
        "listeners": [
          {"name": "echo", "host": "127.0.0.1", "port": 0, "family": "ipv4", "address": "tcpgate.echo"}
        ],
        "workers": [{"verticle": "echo", "config": {"address": "tcpgate.echo"}}]
      }""");
    try (GatewayProcess gateway = GatewayProcess.jar().conf(conf).start()) {
      int port = gateway.port("echo");
      gateway.awaitStarted();
      try (RawClient client = RawClient.connect(port)) {
        assertThat(client.send("ping\n").readLine()).isEqualTo("ping");
        gateway.signal("INT");
        assertThat(client.awaitClosedByServer()).as("idle connection closed by the drain").isTrue();
      }
      assertThat(gateway.awaitExit()).as("exit code; output:%n%s", gateway.output()).isZero();
      assertThat(gateway.output()).contains("shutdown requested", "drain complete", "tcpgate stopped");
      gateway.assertNoErrorsOrStackTraces();
    }
  }

  @Test
  void connectionsArrivingWhileTheListenerStopsAreRefusedWithoutStackTraces() throws Exception {
    Path conf = slowConfig();
    try (GatewayProcess gateway = GatewayProcess.classpath(workerJar).conf(conf).start()) {
      int port = gateway.port("slow");
      gateway.awaitStarted();
      try (RawClient client = RawClient.connect(port)) {
        client.send("hold the drain open\n");
        gateway.awaitLine("delay-worker received frame 1 of connection");
        AtomicInteger accepted = new AtomicInteger();
        List<Thread> knockers = new ArrayList<>();
        for (int i = 0; i < KNOCKERS; i++) {
          Thread knocker = new Thread(() -> knockUntilRefused(port, accepted), "knocker-" + i);
          knocker.start();
          knockers.add(knocker);
        }
        gateway.signal("TERM");
        for (Thread knocker : knockers) {
          knocker.join(TimeUnit.SECONDS.toMillis(10));
          assertThat(knocker.isAlive()).as("new connections still accepted during the drain (%d accepted)",
            accepted.get()).isFalse();
        }
        assertThat(client.readLine()).isEqualTo("hold the drain open");
      }
      assertThat(gateway.awaitExit()).as("exit code; output:%n%s", gateway.output()).isZero();
      gateway.assertNoErrorsOrStackTraces();
    }
  }

  /** Connects and disconnects as fast as it can until a connection is refused (or 10 s passed). */
  private static void knockUntilRefused(int port, AtomicInteger accepted) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
        accepted.incrementAndGet();
      } catch (ConnectException refused) {
        return;
      } catch (IOException e) {
        // reset while connecting: the listener is going away; try again
      }
    }
  }

  private static void assertConnectionRefused(int port) {
    assertThatThrownBy(() -> {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      }
    }).as("a new connection to 127.0.0.1:%d while draining", port).isInstanceOf(ConnectException.class);
  }

  /**
   * Waits until the kernel no longer lists a listening socket on {@code port}, reading /proc/net/tcp rather than
   * connecting: a connection that arrives while Vert.x is still closing the shared listening socket is a separate
   * case (see the disabled test above).
   */
  private static void awaitNotListening(int port) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
    while (isListening(port)) {
      if (System.nanoTime() > deadline) {
        fail("127.0.0.1:%d is still listening 1 s into the drain", port);
      }
      Thread.sleep(5);
    }
  }

  private static boolean isListening(int port) throws IOException {
    String portHex = String.format(Locale.ROOT, ":%04X", port);
    for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
      Path file = Path.of(table);
      if (!Files.isReadable(file)) {
        continue;
      }
      // sl local_address rem_address st ...; st 0A is LISTEN
      for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
        String[] fields = line.trim().split("\\s+");
        if (fields.length > 3 && fields[1].endsWith(portHex) && "0A".equals(fields[3])) {
          return true;
        }
      }
    }
    return false;
  }

  /** One lines listener whose frames go to the example DelayWorker, which replies after {@link #DELAY_MS}. */
  private Path slowConfig() {
    return GatewayProcess.writeConfig(dir, "slow.json", """
      {
        "admin": {"enabled": false},
        "listeners": [
          {"name": "slow", "host": "127.0.0.1", "port": 0, "family": "ipv4", "framing": {"kind": "lines"},
           "address": "examples.delay", "requestTimeoutMs": 10000, "dispatch": "parallel"}
        ],
        "workers": [
          {"verticle": "io.tcpgate.examples.DelayWorker", "config": {"address": "examples.delay", "delayMs": %d}}
        ],
        "shutdown": {"drainTimeoutMs": 10000}
      }""".formatted(DELAY_MS));
  }

  /** Whether SIGINT is ignored by this JVM, hence by the processes it starts (SigIgn in /proc/self/status). */
  private static boolean sigintIgnored() throws IOException {
    Path status = Path.of("/proc/self/status");
    if (!Files.isReadable(status)) {
      return false;
    }
    for (String line : Files.readAllLines(status, StandardCharsets.US_ASCII)) {
      if (line.startsWith("SigIgn:")) {
        long mask = Long.parseUnsignedLong(line.substring("SigIgn:".length()).trim(), 16);
        return (mask & (1L << (2 - 1))) != 0;
      }
    }
    return false;
  }
}
