package io.tcpgate.process;

import io.tcpgate.testing.RawClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * When the process runs out of file descriptors, accepting fails (EMFILE) while clients still connect at the kernel
 * level (the accept backlog). The gateway must log that as a counted WARN, keep accepting once descriptors are free
 * again, and neither log an ERROR nor print a stack trace.
 */
class AcceptErrorsIT {

  /** Descriptors left free above what the started gateway uses: about this many connections get accepted. */
  private static final int HEADROOM = 30;
  /** Clients opened: more than the headroom, so some wait in the backlog while accepting fails. */
  private static final int CLIENTS = HEADROOM + 30;

  @TempDir
  Path dir;

  @Test
  void descriptorExhaustionIsLoggedAsCountedWarningAndAcceptingContinuesOnceDescriptorsAreFree() throws Exception {
    assumeThat(Path.of("/proc/self/fd")).as("descriptors are counted in /proc (Linux)").isDirectory();
    Path conf = GatewayProcess.writeConfig(dir, "echo.json", """
      {
        "admin": {"enabled": false},
        "listeners": [
          {"name": "lines", "host": "127.0.0.1", "port": 0, "family": "ipv4", "address": "tcpgate.echo"}
        ],
        "workers": [{"verticle": "echo", "config": {"address": "tcpgate.echo"}}]
      }""");
    int baseline;
    try (GatewayProcess probe = GatewayProcess.jar().conf(conf).start()) {
      probe.awaitStarted();
      baseline = openDescriptors(probe.pid());
    }
    int limit = baseline + HEADROOM;

    try (GatewayProcess gateway = GatewayProcess.jar().conf(conf).fileLimit(limit).start()) {
      int port = gateway.port("lines");
      gateway.awaitStarted();
      assertThat(openDescriptors(gateway.pid())).as("descriptors in use at start under ulimit -n %d", limit)
        .isLessThan(limit - HEADROOM / 2);

      List<Socket> clients = new ArrayList<>();
      Matcher failure;
      try {
        for (int i = 0; i < CLIENTS; i++) {
          Socket socket = new Socket();
          clients.add(socket);
          // the kernel completes the handshake from the backlog even when the gateway cannot accept
          socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        }
        failure = gateway.awaitLine("accept failed on port (\\d+) for listener 'lines': (.*) \\(accepting continues;"
          + " (\\d+) more accept errors since the last report; total (\\d+)\\)");
        try (RawClient client = RawClient.connect(port)) {
          client.socket().setSoTimeout(500);
          assertThatReadTimesOut(client);
        }
      } finally {
        for (Socket socket : clients) {
          socket.close();
        }
      }
      assertThat(Integer.parseInt(failure.group(1))).as("port in the log line").isEqualTo(port);
      assertThat(failure.group(2)).contains("Too many open files");
      assertThat(Long.parseLong(failure.group(4))).as("total accept errors").isPositive();

      // the clients are gone, their descriptors are free again: a new connection is accepted and served
      try (RawClient client = RawClient.connect(port)) {
        assertThat(client.send("after the storm\n").readLine()).isEqualTo("after the storm");
      }
      gateway.signal("TERM");
      assertThat(gateway.awaitExit()).as("exit code; output:%n%s", gateway.output()).isZero();
      assertThat(gateway.lines()).filteredOn(line -> line.contains("accept failed on port")).hasSize(1);
      gateway.assertNoErrorsOrStackTraces();
    }
  }

  /** A connection made while descriptors are exhausted is not served: its frame gets no reply. */
  private static void assertThatReadTimesOut(RawClient client) throws IOException {
    client.send("while exhausted\n");
    try {
      String reply = client.readLine();
      throw new AssertionError("expected no reply while descriptors are exhausted, got '" + reply + "'");
    } catch (SocketTimeoutException expected) {
      // not accepted yet
    }
  }

  private static int openDescriptors(long pid) throws IOException {
    try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
      return (int) fds.count();
    }
  }
}
