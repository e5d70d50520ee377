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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** A raw bridge client as the worker behind a lines listener: requests, replies, failures, pushes and events. */
@ExtendWith(VertxExtension.class)
class BridgeWorkerTest {

  private static final String LINES = "work.lines";
  private static final String HOLD = "work.hold";
  private static final String EXPIRE = "work.expire";
  /** A consumer in the gateway's JVM that takes requests and never answers. */
  private static final String SILENT = "work.silent";
  /** The bridge's own request timeout in this test. */
  private static final long BRIDGE_REQUEST_TIMEOUT_MS = 1_000;
  private static final long LINES_TIMEOUT_MS = 10_000;
  private static final long HOLD_TIMEOUT_MS = 30_000;
  private static final long EXPIRE_TIMEOUT_MS = 800;
  /** The bridge forgets expired requests on its sweep, once a second. */
  private static final long SWEEP_MS = 1_000;
  private static final String CONNECTION_ID = "[0-9a-f]{12}-[0-9a-z]+";

  private static TestGateway gw;

  @BeforeAll
  static void startGateway(VertxTestContext ctx) {
    gw = new TestGateway();
    gw.vertx().eventBus().consumer(SILENT, m -> { });
    gw.start(gatewayConfig()).onComplete(ctx.succeedingThenComplete());
  }

  private static JsonObject gatewayConfig() {
    JsonObject config = TestGateway.config(
      TestGateway.listener("lines", LINES).put("body", "string").put("requestTimeoutMs", LINES_TIMEOUT_MS),
      TestGateway.listener("hold", HOLD).put("body", "string").put("dispatch", "parallel")
        .put("requestTimeoutMs", HOLD_TIMEOUT_MS),
      TestGateway.listener("expire", EXPIRE).put("body", "string").put("requestTimeoutMs", EXPIRE_TIMEOUT_MS),
      TestGateway.listener("json", "work.json").put("body", "json"),
      TestGateway.listener("buffer", "work.buffer"));
    return config.put("bridge", new JsonObject()
      .put("enabled", true)
      .put("port", 0)
      .put("requestTimeoutMs", BRIDGE_REQUEST_TIMEOUT_MS)
      .put("inboundPermitted", new JsonArray().add("tcpgate\\.push\\..*").add("tcpgate\\.broadcast\\..*")
        .add("work\\.silent"))
      .put("outboundPermitted", new JsonArray().add("work\\..*").add("tcpgate\\.events")));
  }

  @AfterEach
  void nothingHeld() throws InterruptedException {
    BridgeStats stats = bridgeStats();
    TestGateway.await("bridge clients gone, nothing registered or pending", 5_000,
      () -> stats.openConnections() == 0 && stats.registrations() == 0 && stats.pendingReplies() == 0);
    gw.awaitNothingHeld(5_000);
  }

  @AfterAll
  static void stopGateway(VertxTestContext ctx) {
    gw.close().onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void frameArrivesAsAMessageWithTheTcpgateHeadersAndAReplyAddress_andTheReplyIsWritten() throws Exception {
    try (BridgeClient worker = worker(LINES); RawClient client = RawClient.connect(gw.port("lines"))) {
      long sent = System.currentTimeMillis();
      client.send("hello\n");

      JsonObject message = worker.read("message");
      long received = System.currentTimeMillis();
      assertThat(message.getString("address")).isEqualTo(LINES);
      assertThat(message.getValue("body")).isEqualTo("hello");
      assertThat(message.getBoolean("send")).as("a point-to-point request").isTrue();
      assertThat(message.getString("replyAddress")).isNotBlank();
      JsonObject headers = message.getJsonObject("headers");
      String id = headers.getString(GatewayHeaders.CONNECTION_ID);
      assertThat(id).matches(CONNECTION_ID);
      assertThat(headers.getString(GatewayHeaders.LISTENER)).isEqualTo("lines");
      assertThat(headers.getString(GatewayHeaders.SEQUENCE)).isEqualTo("1");
      assertThat(headers.getString(GatewayHeaders.REMOTE_ADDRESS))
        .isEqualTo("127.0.0.1:" + client.socket().getLocalPort());
      assertThat(headers.getString(GatewayHeaders.LOCAL_ADDRESS)).isEqualTo("127.0.0.1:" + gw.port("lines"));
      assertThat(Long.parseLong(headers.getString(GatewayHeaders.DEADLINE)))
        .as("the deadline: when the frame was taken plus the listener's request timeout")
        .isBetween(sent + LINES_TIMEOUT_MS - 50, received + LINES_TIMEOUT_MS + 50);
      assertThat(bridgeStats().pendingReplies()).isEqualTo(1);

      worker.reply(message, "HELLO");
      assertThat(client.readLine()).isEqualTo("HELLO");

      client.send("again\n");
      JsonObject second = worker.read("message");
      assertThat(second.getJsonObject("headers").getString(GatewayHeaders.SEQUENCE)).isEqualTo("2");
      assertThat(second.getJsonObject("headers").getString(GatewayHeaders.CONNECTION_ID)).isEqualTo(id);
      assertThat(second.getString("replyAddress")).isNotEqualTo(message.getString("replyAddress"));
      worker.reply(second, "AGAIN");
      assertThat(client.readLine()).isEqualTo("AGAIN");
      assertThat(bridgeStats().pendingReplies()).isZero();
    }
  }

  static Stream<Arguments> bodyTypes() {
    return Stream.of(
      Arguments.of("json", "{\"k\":[1,2],\"s\":\"é\"}", new JsonObject().put("k", new JsonArray().add(1).add(2))
        .put("s", "é")),
      Arguments.of("buffer", "hi é", "aGkgw6k="),
      Arguments.of("lines", "hi é", "hi é"));
  }

  /** A json listener's frame is a JSON object, a buffer listener's is base64 (of the UTF-8 bytes), a string's text. */
  @ParameterizedTest(name = "{0} listener")
  @MethodSource("bodyTypes")
  void frameBody_isAsTheListenersBodyTypeSays(String listener, String line, Object body) throws Exception {
    String address = listener.equals("lines") ? LINES : "work." + listener;
    try (BridgeClient worker = worker(address); RawClient client = RawClient.connect(gw.port(listener))) {
      client.send(line + "\n");

      JsonObject message = worker.read("message");
      assertThat(message.getValue("body")).isEqualTo(body);
      worker.reply(message, "done");
      assertThat(client.readLine()).isEqualTo("done");
    }
  }

  /** A request of the client's own: its reply, or its failure, comes back to its replyAddress. */
  @Test
  void clientsOwnRequestWithoutAnswer_failsAfterTheBridgesRequestTimeout_orItsTimeoutHeader() throws Exception {
    try (BridgeClient client = BridgeClient.connect(gw.gateway().bridge().port())) {
      long started = System.nanoTime();
      client.send(new JsonObject().put("type", "send").put("address", SILENT).put("body", "x")
        .put("replyAddress", "me.1"));
      JsonObject err = client.read();
      long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      assertThat(err.getString("type")).as("%s", err.encode()).isEqualTo("err");
      assertThat(err.getString("address")).isEqualTo("me.1");
      assertThat(err.getString("sourceAddress")).isEqualTo(SILENT);
      assertThat(err.getString("failureType")).isEqualTo("TIMEOUT");
      assertThat(waitedMs).as("the bridge's requestTimeoutMs").isBetween(BRIDGE_REQUEST_TIMEOUT_MS - 50,
        BRIDGE_REQUEST_TIMEOUT_MS + 2_000);

      started = System.nanoTime();
      client.send(new JsonObject().put("type", "send").put("address", SILENT).put("body", "x")
        .put("replyAddress", "me.2").put("headers", new JsonObject().put("timeout", 200)));
      err = client.read();
      waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      assertThat(err.getString("address")).isEqualTo("me.2");
      assertThat(err.getString("failureType")).isEqualTo("TIMEOUT");
      assertThat(waitedMs).as("the timeout header's 200 ms").isBetween(150L, BRIDGE_REQUEST_TIMEOUT_MS - 100);
      assertThat(client.sync()).isEmpty();
    }
  }

  static Stream<Arguments> replyBodies() {
    return Stream.of(
      Arguments.of("a number", 42, "42"),
      Arguments.of("a negative long", -1234567890123L, "-1234567890123"),
      Arguments.of("a decimal", 2.5, "2.5"),
      Arguments.of("an integer beyond long", new BigInteger("12345678901234567890"), "12345678901234567890"),
      Arguments.of("true", true, "true"),
      Arguments.of("false", false, "false"),
      Arguments.of("an array", new JsonArray().add(1).add(2), "[1,2]"),
      Arguments.of("an object", new JsonObject().put("a", 1), "{\"a\":1}"),
      Arguments.of("a nested object", new JsonObject().put("a", new JsonArray().add("x").add(new JsonObject())),
        "{\"a\":[\"x\",{}]}"),
      Arguments.of("a string", "text as is", "text as is"),
      Arguments.of("a string beyond ASCII", "héllo € 𝄞", "héllo € 𝄞"),
      Arguments.of("an empty string", "", ""));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("replyBodies")
  void replyBodyOfAnyJsonType_isWrittenAsItsText(String name, Object body, String line) throws Exception {
    try (BridgeClient worker = worker(LINES); RawClient client = RawClient.connect(gw.port("lines"))) {
      client.send("x\n");
      worker.reply(worker.read("message"), body);

      assertThat(client.readLine()).isEqualTo(line);

      client.send("next\n");
      worker.reply(worker.read("message"), "NEXT");
      assertThat(client.readLine()).as("the line after it").isEqualTo("NEXT");
    }
  }

  @Test
  void nullReplyBody_writesNothing_andTheNextFramesReplyFollows() throws Exception {
    try (BridgeClient worker = worker(LINES); RawClient client = RawClient.connect(gw.port("lines"))) {
      client.send("a\nb\nc\n");
      JsonObject a = worker.read("message");
      assertThat(a.getValue("body")).isEqualTo("a");
      worker.send(new JsonObject().put("type", "send").put("address", a.getString("replyAddress")).putNull("body"));
      JsonObject b = worker.read("message");
      assertThat(b.getValue("body")).isEqualTo("b");
      worker.send(new JsonObject().put("type", "send").put("address", b.getString("replyAddress")));
      JsonObject c = worker.read("message");
      worker.reply(c, "C");

      assertThat(client.readLine()).as("the first line written: neither null reply wrote anything").isEqualTo("C");
    }
  }

  @Test
  void failureCodeAndMessage_isWrittenAsWorkerFailed_andTheConnectionGoesOn() throws Exception {
    try (BridgeClient worker = worker(LINES); RawClient client = RawClient.connect(gw.port("lines"))) {
      client.send("fail me\n");
      worker.fail(worker.read("message"), 42, "no such thing");

      assertThat(client.readLine()).isEqualTo("ERR worker-failed no such thing");

      client.send("then\n");
      worker.reply(worker.read("message"), "THEN");
      assertThat(client.readLine()).isEqualTo("THEN");
    }
  }

  /** The header as the README's workers write it (a string) and as a JSON boolean. */
  @ParameterizedTest(name = "tcpgate-close: {0}")
  @ValueSource(strings = {"\"true\"", "true"})
  void replyWithHeaderTcpgateCloseTrue_isWrittenThenTheConnectionIsClosed(String value) throws Exception {
    try (BridgeClient worker = worker(LINES); RawClient client = RawClient.connect(gw.port("lines"))) {
      client.send("bye\n");
      JsonObject headers = new JsonObject("{\"" + GatewayHeaders.CLOSE + "\":" + value + "}");
      worker.reply(worker.read("message"), "BYE", headers);

      assertThat(client.readLine()).isEqualTo("BYE");
      assertThat(client.awaitClosedByServer()).as("closed after the reply").isTrue();
    }
  }

  @Test
  void pushToTheConnection_isWrittenBeforeTheReply_andTheBridgeClientGetsOk() throws Exception {
    try (BridgeClient worker = worker(LINES); RawClient client = RawClient.connect(gw.port("lines"))) {
      client.send("hi\n");
      JsonObject request = worker.read("message");
      String id = request.getJsonObject("headers").getString(GatewayHeaders.CONNECTION_ID);

      worker.send(push(id, "pushed", "worker.push.1"));

      JsonObject ack = worker.read("message");
      assertThat(ack.getString("address")).isEqualTo("worker.push.1");
      assertThat(ack.getValue("body")).isEqualTo("ok");
      assertThat(client.readLine()).isEqualTo("pushed");
      worker.reply(request, "HI");
      assertThat(client.readLine()).isEqualTo("HI");
    }
  }

  @Test
  void pushToAClosedConnection_failsTheBridgeClientsRequestWith404() throws Exception {
    try (BridgeClient worker = worker(LINES)) {
      String id;
      try (RawClient client = RawClient.connect(gw.port("lines"))) {
        client.send("hi\n");
        JsonObject request = worker.read("message");
        id = request.getJsonObject("headers").getString(GatewayHeaders.CONNECTION_ID);
        worker.reply(request, "HI");
        assertThat(client.readLine()).isEqualTo("HI");
      }
      TestGateway.await("the connection closed", 5_000, () -> gw.stats().openConnections() == 0);

      worker.send(push(id, "too late", "worker.push.2"));

      JsonObject err = worker.read();
      assertThat(err.getString("type")).as("%s", err.encode()).isEqualTo("err");
      assertThat(err.getString("address")).isEqualTo("worker.push.2");
      assertThat(err.getString("sourceAddress")).isEqualTo(GatewayHeaders.pushAddress(id));
      assertThat(err.getInteger("failureCode")).isEqualTo(GatewayHeaders.NO_CONNECTION);
      assertThat(err.getString("failureType")).isEqualTo("RECIPIENT_FAILURE");
    }
  }

  @Test
  void publishToTheListenersBroadcastAddress_reachesEveryConnectionOfIt() throws Exception {
    try (BridgeClient worker = worker(LINES); RawClient a = RawClient.connect(gw.port("lines"));
         RawClient b = RawClient.connect(gw.port("lines"))) {
      TestGateway.await("both connections open", 5_000, () -> gw.stats().openConnections() == 2);

      worker.send(new JsonObject().put("type", "publish").put("address", GatewayHeaders.broadcastAddress("lines"))
        .put("body", "to all"));

      assertThat(a.readLine()).isEqualTo("to all");
      assertThat(b.readLine()).isEqualTo("to all");
      assertThat(worker.sync()).as("frames for the publisher").isEmpty();
    }
  }

  @Test
  void registerForTcpgateEvents_getsConnectedAndClosedMessages() throws Exception {
    try (BridgeClient events = worker(GatewayHeaders.EVENTS_ADDRESS)) {
      String id;
      int localPort;
      try (RawClient client = RawClient.connect(gw.port("lines"))) {
        localPort = client.socket().getLocalPort();
        JsonObject connected = nextEventOf(events, localPort);
        assertThat(connected.getString("address")).isEqualTo(GatewayHeaders.EVENTS_ADDRESS);
        assertThat(connected.getBoolean("send")).as("events are published").isFalse();
        assertThat(connected.containsKey("replyAddress")).as("an event expects no reply").isFalse();
        JsonObject body = connected.getJsonObject("body");
        assertThat(body.getString("event")).isEqualTo("connected");
        assertThat(body.getString("listener")).isEqualTo("lines");
        id = body.getString("connectionId");
        assertThat(id).matches(CONNECTION_ID);
      }
      JsonObject closed = nextEventOf(events, localPort).getJsonObject("body");
      assertThat(closed.getString("event")).isEqualTo("closed");
      assertThat(closed.getString("connectionId")).isEqualTo(id);
      assertThat(closed.getString("reason")).isIn("client", "reset");
    }
  }

  /** FIN and RST: either way every request the client held is answered at once, not after the 30 s timeout. */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"close", "reset"})
  void bridgeClientDisconnecting_whileItHoldsRequests_getsEveryFrameErrNoHandlerAtOnce(String how)
    throws Exception {
    int connections = 5;
    int framesEach = 4;
    List<RawClient> clients = new ArrayList<>();
    BridgeClient worker = worker(HOLD);
    try {
      for (int c = 0; c < connections; c++) {
        RawClient client = RawClient.connect(gw.port("hold"));
        clients.add(client);
        client.send("one\ntwo\nthree\nfour\n");
      }
      Set<String> held = new HashSet<>();
      for (int i = 0; i < connections * framesEach; i++) {
        held.add(worker.read("message").getString("replyAddress"));
      }
      assertThat(held).hasSize(connections * framesEach);
      assertThat(bridgeStats().pendingReplies()).isEqualTo(connections * framesEach);

      long gone = System.nanoTime();
      if (how.equals("reset")) {
        worker.reset();
      } else {
        worker.close();
      }

      for (RawClient client : clients) {
        for (int i = 0; i < framesEach; i++) {
          assertThat(client.readLine()).isEqualTo("ERR no-handler");
        }
      }
      long answeredMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - gone);
      assertThat(answeredMs).as("every frame answered within 5 s of the disconnect (request timeout %d ms)",
        HOLD_TIMEOUT_MS).isLessThan(5_000);
      TestGateway.await("pending replies back to 0", 5_000, () -> bridgeStats().pendingReplies() == 0);
    } finally {
      worker.close();
      for (RawClient client : clients) {
        client.close();
      }
    }
  }

  /**
   * The worker answers as fast as it reads while 20 connections stream frames to it, and vanishes (RST) once 200
   * replies are out, as a killed process does: the frames it held and the ones on their way to it find no handler.
   * None may read ERR timeout: the request timeout is 30 s and every frame is answered within 5 s of the reset.
   */
  @Test
  void bridgeClientVanishing_whileFramesStreamToIt_answersThemErrNoHandler_notErrTimeout() throws Exception {
    int connections = 20;
    int framesEach = 500;
    BridgeClient worker = worker(HOLD);
    Thread answering = new Thread(() -> {
      try {
        while (true) {
          worker.reply(worker.read("message"), "OK");
        }
      } catch (IOException | AssertionError e) {
        // the reset below ends it
      }
    }, "answering-worker");
    answering.setDaemon(true);
    answering.start();
    AtomicInteger replied = new AtomicInteger();
    CountDownLatch flowing = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(2 * connections);
    try {
      List<Future<List<String>>> readers = new ArrayList<>();
      for (int c = 0; c < connections; c++) {
        readers.add(streamThenHalfClose(pool, gw.port("hold"), framesEach, () -> {
          if (replied.incrementAndGet() == 200) {
            flowing.countDown();
          }
        }));
      }
      assertThat(flowing.await(30, TimeUnit.SECONDS)).as("200 frames answered").isTrue();
      worker.reset();
      long vanished = System.nanoTime();

      Map<String, Integer> counts = new TreeMap<>();
      for (Future<List<String>> reader : readers) {
        List<String> replies = reader.get(30, TimeUnit.SECONDS);
        assertThat(replies).as("replies on one connection").hasSize(framesEach);
        replies.forEach(r -> counts.merge(r, 1, Integer::sum));
      }
      long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - vanished);
      assertThat(counts.keySet()).as("replies (counted: %s) within %d ms of the reset", counts, elapsedMs)
        .isSubsetOf("OK", "ERR no-handler");
      assertThat(counts).as("replies").containsKey("ERR no-handler");
      assertThat(elapsedMs).as("all answered well before the request timeout").isLessThan(5_000);
    } finally {
      pool.shutdownNow();
      worker.close();
      answering.join(5_000);
    }
  }

  @Test
  void heldRequestPastItsDeadline_isForgotten_andALateReplyWritesNothing() throws Exception {
    try (BridgeClient worker = worker(EXPIRE); RawClient client = RawClient.connect(gw.port("expire"))) {
      client.send("late\n");
      JsonObject request = worker.read("message");
      long deadline = Long.parseLong(request.getJsonObject("headers").getString(GatewayHeaders.DEADLINE));
      assertThat(bridgeStats().pendingReplies()).isEqualTo(1);

      assertThat(client.readLine()).isEqualTo("ERR timeout");
      TestGateway.await("the expired request forgotten", deadline + SWEEP_MS + 2_000 - System.currentTimeMillis(),
        () -> bridgeStats().pendingReplies() == 0);
      long forgottenAfterMs = System.currentTimeMillis() - deadline;
      assertThat(forgottenAfterMs).as("forgotten by the first sweep after the tcpgate-deadline, not at the bridge's"
        + " own request timeout").isLessThan(SWEEP_MS + 1_000);

      worker.reply(request, "LATE");
      worker.sync();
      client.send("next\n");
      worker.reply(worker.read("message"), "NEXT");
      assertThat(client.readLine()).as("the late reply wrote nothing").isEqualTo("NEXT");
    }
  }

  /**
   * The gateway's graceful shutdown drains listeners before it stops the bridge: a bridge worker still answers the
   * frame it holds, the client reads it, and then the bridge closes the worker's connection.
   */
  @Test
  void gatewayShutdown_whileABridgeWorkerHoldsAFrame_letsItAnswer_thenClosesTheWorker() throws Exception {
    TestGateway own = new TestGateway();
    try {
      JsonObject config = gatewayConfig();
      config.getJsonObject("shutdown").put("drainTimeoutMs", 20_000);
      own.start(config).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      try (BridgeClient worker = BridgeClient.connect(own.gateway().bridge().port()).register(LINES);
           RawClient client = RawClient.connect(own.port("lines"))) {
        client.send("held\n");
        JsonObject request = worker.read("message");

        long started = System.nanoTime();
        CompletableFuture<Void> shutdown = own.app().shutdown().toCompletionStage().toCompletableFuture();
        TestGateway.await("the connection told to drain", 5_000, () -> own.stats().listener("lines").drained() == 1);
        worker.reply(request, "HELD");

        assertThat(client.readLine()).isEqualTo("HELD");
        assertThat(client.awaitClosedByServer()).as("the client's connection closed once answered").isTrue();
        assertThat(worker.awaitClose(Duration.ofSeconds(10))).as("frames to the worker before its close").isEmpty();
        shutdown.get(10, TimeUnit.SECONDS);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started))
          .as("shutdown took the answer's time, not the 20 s drain timeout").isLessThan(10_000);
        assertThat(own.gateway().bridge().stats().openConnections()).isZero();
        assertThat(own.gateway().bridge().stats().pendingReplies()).isZero();
      }
    } finally {
      own.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  // ---- helpers

  private static BridgeStats bridgeStats() {
    return gw.gateway().bridge().stats();
  }

  /** A bridge client registered for {@code address}. */
  private static BridgeClient worker(String address) throws IOException {
    return BridgeClient.connect(gw.gateway().bridge().port()).register(address);
  }

  private static JsonObject push(String connectionId, Object body, String replyAddress) {
    return new JsonObject().put("type", "send").put("address", GatewayHeaders.pushAddress(connectionId))
      .put("headers", new JsonObject().put(GatewayHeaders.CONNECTION_ID, connectionId))
      .put("body", body).put("replyAddress", replyAddress);
  }

  /**
   * Connects, writes {@code frames} lines from a thread of the pool, half-closes, and reads the replies until the
   * gateway's end of stream, calling {@code onReply} after each.
   */
  private static Future<List<String>> streamThenHalfClose(ExecutorService pool, int port, int frames,
                                                          Runnable onReply) throws IOException {
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    socket.setSoTimeout(RawClient.READ_TIMEOUT_MS);
    pool.submit(() -> {
      StringBuilder all = new StringBuilder();
      for (int i = 0; i < frames; i++) {
        all.append("frame ").append(i).append('\n');
      }
      socket.getOutputStream().write(all.toString().getBytes(StandardCharsets.UTF_8));
      socket.shutdownOutput();
      return null;
    });
    return pool.submit(() -> {
      try (socket) {
        return RawClient.readLinesUntilEof(socket, onReply);
      }
    });
  }

  /** The next lifecycle event of the connection from local port {@code port}; events of others are skipped. */
  private static JsonObject nextEventOf(BridgeClient events, int port) throws IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (System.nanoTime() < deadline) {
      JsonObject frame = events.read(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      assertThat(frame.getString("type")).as("%s", frame.encode()).isEqualTo("message");
      JsonObject body = frame.getJsonObject("body");
      if (body != null && body.getString("remoteAddress", "").endsWith(":" + port)) {
        return frame;
      }
    }
    throw new AssertionError("no lifecycle event of the connection from port " + port);
  }
}
