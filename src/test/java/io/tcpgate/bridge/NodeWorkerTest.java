package io.tcpgate.bridge;

import io.tcpgate.bus.GatewayHeaders;
import io.tcpgate.metrics.BridgeStats;
import io.tcpgate.testing.BridgeClient;
import io.tcpgate.testing.ChildProcess;
import io.tcpgate.testing.RawClient;
import io.tcpgate.testing.TestGateway;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** examples/node-worker/worker.js, a real Node.js process, as the worker behind a listener through the bridge. */
@ExtendWith(VertxExtension.class)
class NodeWorkerTest {

  private static final String UPPER = "node.upper";
  private static final String KILL = "node.kill";
  private static final long KILL_TIMEOUT_MS = 2_000;
  private static final Pattern READY = Pattern.compile("^ready$");
  private static final Duration WAIT = Duration.ofSeconds(30);

  private static TestGateway gw;

  @BeforeAll
  static void startGateway(VertxTestContext ctx) throws Exception {
    requireNode();
    gw = new TestGateway();
    JsonObject config = TestGateway.config(
      TestGateway.listener("upper", UPPER).put("body", "string"),
      TestGateway.listener("kill", KILL).put("body", "string").put("dispatch", "parallel")
        .put("requestTimeoutMs", KILL_TIMEOUT_MS));
    config.put("bridge", new JsonObject()
      .put("enabled", true)
      .put("port", 0)
      .put("inboundPermitted", new JsonArray().add("tcpgate\\.push\\..*"))
      .put("outboundPermitted", new JsonArray().add("node\\..*").add("tcpgate\\.events")));
    gw.start(config).onComplete(ctx.succeedingThenComplete());
  }

  @AfterEach
  void nothingHeld() throws InterruptedException {
    BridgeStats stats = gw.gateway().bridge().stats();
    TestGateway.await("bridge clients gone, nothing registered or pending", 10_000,
      () -> stats.openConnections() == 0 && stats.registrations() == 0 && stats.pendingReplies() == 0);
    gw.awaitNothingHeld(5_000);
  }

  @AfterAll
  static void stopGateway(VertxTestContext ctx) {
    if (gw == null) {
      ctx.completeNow();
      return;
    }
    gw.close().onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void twentyConnectionsPipelining200Lines_getEveryLineUpperCased_inOrder() throws Exception {
    try (NodeWorker worker = NodeWorker.start(UPPER)) {
      Map<Integer, List<String>> sent = pipeline(gw.port("upper"), 20, 200, (c, i) -> "Conn " + c + " line " + i);

      sent.forEach((c, lines) -> assertThat(lines).as("connection %d", c).isEmpty());
      assertThat(worker.child.isAlive()).isTrue();
    }
  }

  @Test
  void failPushAndBye_behaveAsTheWorkerDocumentsThem() throws Exception {
    try (NodeWorker worker = NodeWorker.start(UPPER); RawClient client = RawClient.connect(gw.port("upper"))) {
      client.send("fail\n");
      assertThat(client.readLine()).isEqualTo("ERR worker-failed asked to fail");

      client.send("push\nworld\n");
      assertThat(client.readLine()).matches("pushed to [0-9a-f]{12}-[0-9a-z]+");
      assertThat(client.readLine()).isEqualTo("PUSH");
      assertThat(client.readLine()).isEqualTo("WORLD");

      client.send("bye\nnever\n");
      assertThat(client.readLine()).isEqualTo("BYE");
      assertThat(client.awaitClosedByServer()).as("closed after BYE, 'never' not answered").isTrue();
    }
  }

  /**
   * SIGKILL while 20 connections pipeline 500 frames each: the frames the worker held are answered at once as
   * having no handler, the ones after it find no handler; none is lost or answered twice.
   */
  @Test
  void nodeWorkerKilled_whileFramesAreInFlight_everyFrameStillGetsExactlyOneReply() throws Exception {
    int connections = 20;
    int framesEach = 500;
    NodeWorker worker = NodeWorker.start(KILL);
    AtomicInteger answered = new AtomicInteger();
    CountDownLatch someAnswered = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(2 * connections);
    try {
      List<Future<List<String>>> readers = new ArrayList<>();
      for (int c = 0; c < connections; c++) {
        int conn = c;
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", gw.port("kill")), 5_000);
        socket.setSoTimeout(RawClient.READ_TIMEOUT_MS);
        pool.submit(() -> {
          StringBuilder all = new StringBuilder();
          for (int i = 0; i < framesEach; i++) {
            all.append(line(conn, i)).append('\n');
          }
          socket.getOutputStream().write(all.toString().getBytes(StandardCharsets.UTF_8));
          socket.shutdownOutput();
          return null;
        });
        readers.add(pool.submit(() -> {
          try (socket) {
            return RawClient.readLinesUntilEof(socket, () -> {
              if (answered.incrementAndGet() >= 20) {
                someAnswered.countDown();
              }
            });
          }
        }));
      }
      assertThat(someAnswered.await(30, TimeUnit.SECONDS)).as("the worker answered 20 frames").isTrue();
      worker.child.destroyForcibly();

      int ok = 0;
      Map<String, Integer> errors = new HashMap<>();
      for (int c = 0; c < connections; c++) {
        List<String> replies = readers.get(c).get(30, TimeUnit.SECONDS);
        assertThat(replies).as("replies on connection %d before the gateway's end of stream", c)
          .hasSize(framesEach);
        for (int i = 0; i < framesEach; i++) {
          String reply = replies.get(i);
          if (reply.equals(line(c, i).toUpperCase(Locale.ROOT))) {
            ok++;
          } else {
            assertThat(reply).as("reply %d on connection %d", i, c).isIn("ERR no-handler", "ERR timeout");
            errors.merge(reply, 1, Integer::sum);
          }
        }
      }
      System.out.printf("killed worker: %d answered, %s%n", ok, errors);
      assertThat(ok).as("answered by the worker before it died").isPositive();
      assertThat(errors).as("frames in flight or after the kill").isNotEmpty();
    } finally {
      pool.shutdownNow();
      worker.close();
    }
    gw.awaitNothingHeld(10_000);
  }

  /** Each worker's share is read from the kernel's count of the bytes it read ({@code /proc/<pid>/io}). */
  @Test
  void secondNodeWorker_onTheSameAddress_sharesTheLoad() throws Exception {
    try (NodeWorker first = NodeWorker.start(UPPER); NodeWorker second = NodeWorker.start(UPPER)) {
      assertThat(gw.gateway().bridge().stats().registrations()).isEqualTo(2);
      long firstBefore = first.bytesRead();
      long secondBefore = second.bytesRead();

      Map<Integer, List<String>> sent = pipeline(gw.port("upper"), 10, 200, (c, i) -> "share " + c + " " + i);
      sent.forEach((c, lines) -> assertThat(lines).as("connection %d", c).isEmpty());

      long firstRead = first.bytesRead() - firstBefore;
      long secondRead = second.bytesRead() - secondBefore;
      long total = firstRead + secondRead;
      assertThat(total).as("bytes read by the two workers").isPositive();
      assertThat(Math.min(firstRead, secondRead)).as("the smaller share of %d bytes (%d and %d)", total, firstRead,
        secondRead).isGreaterThan(total / 5);
    }
  }

  /**
   * Three workers on the address (two Node.js workers and a raw bridge client that answers after 2 ms): the
   * connections' frames still reach the workers one at a time and the replies come back in order.
   */
  @Test
  void orderedDispatch_holdsAcrossThreeBridgeWorkers() throws Exception {
    try (NodeWorker first = NodeWorker.start(UPPER); NodeWorker second = NodeWorker.start(UPPER);
         RecordingWorker recorder = new RecordingWorker(gw.gateway().bridge().port(), UPPER)) {
      Map<Integer, List<String>> sent = pipeline(gw.port("upper"), 4, 200, (c, i) -> String.format("n%d-%03d", c, i));

      sent.forEach((c, lines) -> assertThat(lines).as("connection %d", c).isEmpty());
      recorder.stop();
      assertThat(recorder.violations).as("frames of one connection held at once by the raw worker").isEmpty();
      assertThat(recorder.handled.get()).as("frames the raw worker answered").isBetween(1, 799);
    }
  }

  // ---- helpers

  /** One request line. */
  private static String line(int connection, int i) {
    return "kill " + connection + " line " + i;
  }

  /** Line {@code i} of connection {@code c}. */
  private interface Lines {
    String line(int c, int i);
  }

  /**
   * Opens {@code connections} connections; each pipelines {@code framesEach} lines at once and reads the replies,
   * which must be the lines upper-cased, in order. Returns, per connection, the lines whose reply was missing or
   * wrong (empty when all is well), with the first difference described.
   */
  private static Map<Integer, List<String>> pipeline(int port, int connections, int framesEach, Lines lines)
    throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(connections);
    try {
      List<Future<List<String>>> results = new ArrayList<>();
      for (int c = 0; c < connections; c++) {
        int conn = c;
        results.add(pool.submit(() -> {
          try (RawClient client = RawClient.connect(port)) {
            StringBuilder all = new StringBuilder();
            for (int i = 0; i < framesEach; i++) {
              all.append(lines.line(conn, i)).append('\n');
            }
            client.send(all.toString());
            List<String> wrong = new ArrayList<>();
            for (int i = 0; i < framesEach; i++) {
              String expected = lines.line(conn, i).toUpperCase(Locale.ROOT);
              String reply = client.readLine();
              if (!reply.equals(expected)) {
                wrong.add("reply " + i + ": expected '" + expected + "', got '" + reply + "'");
              }
            }
            return wrong;
          }
        }));
      }
      Map<Integer, List<String>> wrong = new HashMap<>();
      for (int c = 0; c < connections; c++) {
        wrong.put(c, results.get(c).get(60, TimeUnit.SECONDS));
      }
      return wrong;
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Node.js must be there: where CI=true its absence fails the test; elsewhere (a machine with only a JDK and Maven)
   * the test is skipped with the same message.
   */
  static void requireNode() throws InterruptedException {
    boolean present;
    try {
      Process version = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
      present = version.waitFor(10, TimeUnit.SECONDS) && version.exitValue() == 0;
    } catch (IOException e) {
      present = false;
    }
    String message = "node is not installed: the bridge's Node.js worker tests need Node.js 18 or later"
      + " (Debian/Ubuntu: apt-get install nodejs)";
    if ("true".equals(System.getenv("CI"))) {
      assertThat(present).as(message).isTrue();
    } else {
      Assumptions.assumeTrue(present, message);
    }
  }

  /** examples/node-worker/worker.js run against the test gateway's bridge, registered for {@code address}. */
  private static final class NodeWorker implements AutoCloseable {

    private final ChildProcess child;

    private NodeWorker(ChildProcess child) {
      this.child = child;
    }

    /** Starts the worker and waits for its {@code ready} (printed once the bridge took its registration). */
    static NodeWorker start(String address) throws IOException, InterruptedException {
      Path script = ChildProcess.basedir().resolve("examples/node-worker/worker.js");
      ChildProcess child = ChildProcess.start("node-worker", List.of("node", script.toString()),
        Map.of("TCPGATE_BRIDGE_PORT", Integer.toString(gw.gateway().bridge().port()), "WORKER_ADDRESS", address));
      NodeWorker worker = new NodeWorker(child);
      try {
        child.awaitLine(READY, 0, WAIT);
      } catch (AssertionError e) {
        worker.close();
        throw e;
      }
      return worker;
    }

    /** The bytes the process has read so far, as the kernel counts them. */
    long bytesRead() throws IOException {
      Path io = Path.of("/proc", Long.toString(child.pid()), "io");
      Assumptions.assumeTrue(Files.isReadable(io), io + " is not readable: cannot tell the workers' shares apart");
      for (String line : Files.readAllLines(io)) {
        if (line.startsWith("rchar:")) {
          return Long.parseLong(line.substring("rchar:".length()).trim());
        }
      }
      throw new AssertionError("no rchar in " + io);
    }

    @Override
    public void close() throws InterruptedException {
      child.stop();
      if (!child.stderrLines().isEmpty()) {
        child.printReport("node worker " + child.pid());
      }
    }
  }

  /**
   * A raw bridge client as a worker that answers each frame upper-cased 2 ms after it came, reading on meanwhile, and
   * records any frame that comes while it still holds another of the same connection.
   */
  private static final class RecordingWorker implements AutoCloseable {

    final List<String> violations = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger handled = new AtomicInteger();
    private final BridgeClient client;
    private final Set<String> held = Collections.synchronizedSet(new HashSet<>());
    private final Map<String, Long> lastSequence = new HashMap<>();
    private final ScheduledExecutorService replier = Executors.newSingleThreadScheduledExecutor();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final Thread reader;
    private volatile Throwable failure;

    RecordingWorker(int bridgePort, String address) throws IOException {
      client = BridgeClient.connect(bridgePort).register(address);
      reader = new Thread(this::readLoop, "recording-worker");
      reader.setDaemon(true);
      reader.start();
    }

    private void readLoop() {
      try {
        while (!stopping.get()) {
          JsonObject message = client.poll(Duration.ofMillis(100));
          if (message == null || !"message".equals(message.getString("type"))) {
            continue;
          }
          JsonObject headers = message.getJsonObject("headers");
          String id = headers.getString(GatewayHeaders.CONNECTION_ID);
          long sequence = Long.parseLong(headers.getString(GatewayHeaders.SEQUENCE));
          if (!held.add(id)) {
            violations.add("frame " + sequence + " of " + id + " came while another of it was held");
          }
          Long last = lastSequence.put(id, sequence);
          if (last != null && last >= sequence) {
            violations.add("frame " + sequence + " of " + id + " came after frame " + last);
          }
          replier.schedule(() -> {
            held.remove(id);
            handled.incrementAndGet();
            client.reply(message, message.getString("body").toUpperCase(Locale.ROOT));
            return null;
          }, 2, TimeUnit.MILLISECONDS);
        }
      } catch (Throwable e) {
        failure = e;
      }
    }

    void stop() throws InterruptedException {
      stopping.set(true);
      reader.join(5_000);
      assertThat(failure).as("the recording worker's failure").isNull();
    }

    @Override
    public void close() throws IOException, InterruptedException {
      stopping.set(true);
      reader.join(5_000);
      replier.shutdownNow();
      client.close();
    }
  }
}
