package io.tcpgate.bridge;

import io.tcpgate.bus.GatewayHeaders;
import io.tcpgate.metrics.BridgeStats;
import io.tcpgate.testing.BridgeClient;
import io.tcpgate.testing.RawClient;
import io.tcpgate.testing.TestGateway;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** A bridge worker that stops reading cannot grow the gateway: its requests are refused at once, then released. */
@ExtendWith(VertxExtension.class)
class BridgeBackpressureTest {

  private static final String ADDRESS = "flood.work";
  private static final int CONNECTIONS = 20;
  private static final int FRAMES_EACH = 500;
  private static final int LINE_BYTES = 8 * 1024;
  private static final long REQUEST_TIMEOUT_MS = 1_500;
  /** The stalled worker's receive buffer, set before it connects: its TCP window stays small. */
  private static final int STALLED_RECEIVE_BUFFER = 16 * 1024;

  private TestGateway gw;
  private BridgeClient stalled;

  @BeforeEach
  void startGateway(VertxTestContext ctx) {
    gw = new TestGateway();
    JsonObject config = TestGateway.config(TestGateway.listener("flood", ADDRESS)
      .put("body", "string")
      .put("dispatch", "parallel")
      .put("maxInFlight", 64)
      .put("requestTimeoutMs", REQUEST_TIMEOUT_MS));
    config.put("bridge", new JsonObject()
      .put("enabled", true)
      .put("port", 0)
      .put("outboundPermitted", new JsonArray().add("flood\\..*").add("tcpgate\\.events")));
    gw.start(config).onComplete(ctx.succeedingThenComplete());
  }

  @AfterEach
  void stopGateway(VertxTestContext ctx) throws IOException {
    if (stalled != null) {
      stalled.close();
    }
    gw.close().onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void workerThatNeverReads_getsNoMoreThanItsSocketHolds_everyFrameIsAnsweredOnce_andTheHeapDoesNotGrow()
    throws Exception {
    BridgeStats stats = gw.gateway().bridge().stats();
    stalled = BridgeClient.connect(gw.gateway().bridge().port(), STALLED_RECEIVE_BUFFER)
      .register(ADDRESS).register(GatewayHeaders.EVENTS_ADDRESS);
    long refusedBefore = stats.refusedRequests();
    long droppedBefore = stats.droppedMessages();
    long heapBefore = usedHeapAfterGc();

    AtomicLong pendingPeak = new AtomicLong();
    AtomicLong samples = new AtomicLong();
    ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
    sampler.scheduleAtFixedRate(() -> {
      pendingPeak.accumulateAndGet(stats.pendingReplies(), Math::max);
      samples.incrementAndGet();
    }, 0, 5, TimeUnit.MILLISECONDS);

    long started = System.nanoTime();
    List<String> replies = flood(gw.port("flood"));
    long floodMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    sampler.shutdownNow();
    assertThat(sampler.awaitTermination(5, TimeUnit.SECONDS)).isTrue();

    long timeouts = replies.stream().filter("ERR timeout"::equals).count();
    long notReading = replies.stream().filter(BridgeBackpressureTest::isNotReading).count();
    List<String> others = replies.stream().filter(r -> !r.equals("ERR timeout") && !isNotReading(r)).limit(5)
      .toList();
    long refused = stats.refusedRequests() - refusedBefore;
    long dropped = stats.droppedMessages() - droppedBefore;
    String numbers = String.format("%d frames in %d ms: %d ERR timeout, %d ERR worker-failed (not reading),"
        + " bridge refused %d, dropped %d, pendingReplies peak %d over %d samples", replies.size(), floodMs, timeouts,
      notReading, refused, dropped, pendingPeak.get(), samples.get());
    System.out.println(numbers);

    assertThat(replies).as("one reply per frame: %s", numbers).hasSize(CONNECTIONS * FRAMES_EACH);
    assertThat(others).as("replies other than ERR timeout / not reading: %s", numbers).isEmpty();
    assertThat(notReading).as("the frames refused at once: %s", numbers).isPositive();
    // a refusal that reaches the connection after its request timeout is written as ERR timeout instead
    assertThat(refused).as("BridgeStats refused: %s", numbers).isGreaterThanOrEqualTo(notReading);
    assertThat(samples.get()).as("pendingReplies sampled while the flood ran").isGreaterThan(10);
    // the connections' closed events came while the worker's socket was full: published, so dropped, not failed
    assertThat(dropped).as("lifecycle events dropped: %s", numbers).isPositive();

    TestGateway.await("the expired requests forgotten", REQUEST_TIMEOUT_MS + 3_000,
      () -> stats.pendingReplies() == 0);
    long heapAfter = usedHeapAfterGc();
    long sentBytes = (long) CONNECTIONS * FRAMES_EACH * LINE_BYTES;
    long grownBytes = heapAfter - heapBefore;
    String heap = String.format("used heap after GC grew by %d KiB (before %d KiB, after %d KiB) while %d KiB went"
      + " to a worker that does not read", grownBytes / 1024, heapBefore / 1024, heapAfter / 1024, sentBytes / 1024);
    System.out.println(heap);
    assertThat(grownBytes).as("%s; the bound is a quarter of that", heap).isLessThan(sentBytes / 4);

    // the worker reads again: first what was written to it before its socket filled
    List<JsonObject> backlog = stalled.sync();
    assertThat(backlog).as("the messages written before the socket filled")
      .allSatisfy(m -> assertThat(m.getString("address")).isIn(ADDRESS, GatewayHeaders.EVENTS_ADDRESS));
    long written = backlog.stream().filter(m -> ADDRESS.equals(m.getString("address"))).count();
    long eventsWritten = backlog.size() - written;
    long eventsDropped = stats.droppedMessages() - droppedBefore;
    assertThat(eventsWritten + eventsDropped).as("every lifecycle event written (%d) or dropped (%d)",
      eventsWritten, eventsDropped).isEqualTo(2L * CONNECTIONS);
    long bound = socketBound();
    String delivered = String.format("%s; %d written to the worker, bound %d", numbers, written, bound);
    assertThat(written + refused).as("every request was either written or refused: %s", delivered)
      .isEqualTo(CONNECTIONS * FRAMES_EACH);
    assertThat(written).as("written to the worker: %s", delivered).isPositive().isLessThanOrEqualTo(timeouts)
      .isLessThanOrEqualTo(bound);
    assertThat(pendingPeak.get()).as("pendingReplies stays bounded by what the worker's socket took: %s", delivered)
      .isLessThanOrEqualTo(written);

    // then it answers new frames, and closing it releases everything
    try (RawClient client = RawClient.connect(gw.port("flood"))) {
      client.send("after\n");
      JsonObject request = nextRequest(stalled);
      assertThat(request.getValue("body")).isEqualTo("after");
      stalled.reply(request, "AFTER");
      assertThat(client.readLine()).isEqualTo("AFTER");
    }
    stalled.close();
    gw.awaitNothingHeld(5_000);
    TestGateway.await("the bridge client gone", 5_000, () -> stats.openConnections() == 0
      && stats.registrations() == 0 && stats.pendingReplies() == 0);
  }

  /**
   * Each connection writes {@value #FRAMES_EACH} lines of {@value #LINE_BYTES} bytes from a thread of its own,
   * half-closes, and reads every reply until the gateway's end of stream; returns all replies.
   */
  private static List<String> flood(int port) throws Exception {
    byte[] line = new byte[LINE_BYTES];
    Arrays.fill(line, (byte) 'x');
    line[LINE_BYTES - 1] = '\n';
    ExecutorService pool = Executors.newFixedThreadPool(2 * CONNECTIONS);
    try {
      List<Future<List<String>>> readers = new ArrayList<>();
      List<Future<?>> writers = new ArrayList<>();
      List<Socket> sockets = new ArrayList<>();
      for (int c = 0; c < CONNECTIONS; c++) {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        socket.setSoTimeout(RawClient.READ_TIMEOUT_MS);
        sockets.add(socket);
        writers.add(pool.submit(() -> {
          OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
          for (int i = 0; i < FRAMES_EACH; i++) {
            out.write(line);
          }
          out.flush();
          socket.shutdownOutput();
          return null;
        }));
        readers.add(pool.submit(() -> RawClient.readLinesUntilEof(socket, () -> {
        })));
      }
      List<String> all = new ArrayList<>();
      for (int c = 0; c < CONNECTIONS; c++) {
        writers.get(c).get(60, TimeUnit.SECONDS);
        List<String> replies = readers.get(c).get(60, TimeUnit.SECONDS);
        assertThat(replies).as("replies on connection %d before the gateway's end of stream", c)
          .hasSize(FRAMES_EACH);
        all.addAll(replies);
        sockets.get(c).close();
      }
      return all;
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * A worker may hold {@code maxPendingReplies} requests: exactly that many reach it, the next is failed at once,
   * and once it answers, it takes requests again.
   */
  @Test
  void workerHoldingMaxPendingReplies_getsNoMore_theNextIsFailedAtOnce() throws Exception {
    TestGateway small = new TestGateway();
    try {
      JsonObject config = TestGateway.config(TestGateway.listener("few", ADDRESS).put("body", "string")
        .put("dispatch", "parallel").put("requestTimeoutMs", 30_000));
      config.put("bridge", new JsonObject().put("enabled", true).put("port", 0).put("maxPendingReplies", 3)
        .put("outboundPermitted", new JsonArray().add("flood\\..*")));
      small.start(config).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      BridgeStats stats = small.gateway().bridge().stats();
      try (BridgeClient worker = BridgeClient.connect(small.gateway().bridge().port()).register(ADDRESS);
           RawClient client = RawClient.connect(small.port("few"))) {
        client.send("a\nb\nc\n");
        List<JsonObject> held = List.of(worker.read("message"), worker.read("message"), worker.read("message"));
        assertThat(stats.pendingReplies()).isEqualTo(3);

        long started = System.nanoTime();
        client.send("d\n");
        TestGateway.await("the fourth request refused", 5_000, () -> stats.refusedRequests() == 1);
        assertThat(worker.sync()).as("frames for the worker beyond its 3").isEmpty();
        for (JsonObject request : held) {
          worker.reply(request, request.getString("body").toUpperCase(Locale.ROOT));
        }
        assertThat(List.of(client.readLine(), client.readLine(), client.readLine())).containsExactly("A", "B", "C");
        assertThat(client.readLine()).startsWith("ERR worker-failed bridge client ").endsWith(" holds 3 requests");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).as("failed at once, not timed out")
          .isLessThan(5_000);

        client.send("e\n");
        JsonObject again = worker.read("message");
        assertThat(again.getValue("body")).isEqualTo("e");
        worker.reply(again, "E");
        assertThat(client.readLine()).isEqualTo("E");
      }
      small.awaitNothingHeld(5_000);
    } finally {
      small.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  /** The next request message, skipping lifecycle events. */
  private static JsonObject nextRequest(BridgeClient worker) throws IOException {
    while (true) {
      JsonObject message = worker.read("message");
      if (message.getString("replyAddress") != null) {
        return message;
      }
    }
  }

  private static boolean isNotReading(String reply) {
    return reply.startsWith("ERR worker-failed bridge client ") && reply.endsWith(" is not reading");
  }

  /**
   * How many frames a socket that is never read can take: twice what its buffers hold (the gateway's send buffer
   * at its largest, {@code net.ipv4.tcp_wmem}, the worker's receive buffer, the gateway's write queue and one
   * batch), in frames. It depends on the machine, not on the traffic.
   */
  private static long socketBound() throws IOException {
    long sendBufferMax = 4L * 1024 * 1024;
    Path wmem = Path.of("/proc/sys/net/ipv4/tcp_wmem");
    if (Files.isReadable(wmem)) {
      // readAllLines, not readString: procfs reports a size of 0 and readString then reads one byte
      String[] values = String.join(" ", Files.readAllLines(wmem)).trim().split("\\s+");
      sendBufferMax = Long.parseLong(values[values.length - 1]);
    }
    return 2 * (sendBufferMax + 2L * STALLED_RECEIVE_BUFFER + 128 * 1024) / LINE_BYTES;
  }

  private static long usedHeapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
