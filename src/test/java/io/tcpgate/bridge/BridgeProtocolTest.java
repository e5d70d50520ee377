package io.tcpgate.bridge;

import io.tcpgate.metrics.BridgeStats;
import io.tcpgate.testing.BridgeClient;
import io.tcpgate.testing.TestGateway;
import io.vertx.core.Future;
import io.vertx.core.eventbus.MessageConsumer;
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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static io.tcpgate.testing.Bytes.bytes;
import static io.tcpgate.testing.Bytes.concat;
import static org.assertj.core.api.Assertions.assertThat;

/** The bridge protocol's edge cases over a raw socket: each bad frame's err, then a usable or a closed connection. */
@ExtendWith(VertxExtension.class)
class BridgeProtocolTest {

  private static final int MAX_FRAME_BYTES = 1024;
  private static final String PERMITTED = "proto.ok.a";
  /** Long enough for a frame the bridge must answer at once; short enough that waiting for a payload shows. */
  private static final Duration ANSWER_WAIT = Duration.ofSeconds(5);

  private static TestGateway gw;
  /** A second gateway whose bridge disconnects clients silent for 1 s. */
  private static TestGateway idleGw;

  @BeforeAll
  static void startGateways(VertxTestContext ctx) {
    gw = new TestGateway();
    idleGw = new TestGateway();
    Future.all(gw.start(config(60)), idleGw.start(config(1))).onComplete(ctx.succeedingThenComplete());
  }

  private static JsonObject config(int idleTimeoutSeconds) {
    return TestGateway.config(TestGateway.listener("lines", "proto.unused"))
      .put("bridge", new JsonObject()
        .put("enabled", true)
        .put("port", 0)
        .put("maxFrameBytes", MAX_FRAME_BYTES)
        .put("idleTimeoutSeconds", idleTimeoutSeconds)
        .put("outboundPermitted", new JsonArray().add("proto\\.ok\\..*")));
  }

  @AfterEach
  void nothingHeld() throws InterruptedException {
    for (TestGateway g : new TestGateway[] {gw, idleGw}) {
      BridgeStats stats = g.gateway().bridge().stats();
      TestGateway.await("bridge clients gone", 5_000, () -> stats.openConnections() == 0
        && stats.registrations() == 0 && stats.pendingReplies() == 0);
    }
  }

  @AfterAll
  static void stopGateways(VertxTestContext ctx) {
    Future.all(gw.close(), idleGw.close()).onComplete(ctx.succeedingThenComplete());
  }

  // ---- ping

  @Test
  void ping_getsPong_andIsCounted() throws Exception {
    long framesIn = stats().framesIn();
    long framesOut = stats().framesOut();
    try (BridgeClient client = connect()) {
      client.send(new JsonObject().put("type", "ping"));

      assertThat(client.read(ANSWER_WAIT)).isEqualTo(new JsonObject().put("type", "pong"));
      assertThat(stats().framesIn()).isEqualTo(framesIn + 1);
      TestGateway.await("the pong counted", 5_000, () -> stats().framesOut() == framesOut + 1);
      assertThat(stats().openConnections()).isEqualTo(1);
    }
  }

  // ---- lengths

  static Stream<Arguments> headersAboveTheLimit() {
    return Stream.of(
      Arguments.of("maxFrameBytes + 1", "00 00 04 01", 1025L),
      Arguments.of("2^31 - 1", "7f ff ff ff", 2147483647L),
      Arguments.of("2^31, negative in a signed view", "80 00 00 00", 2147483648L),
      Arguments.of("ff ff ff ff, -1 in a signed view", "ff ff ff ff", 4294967295L));
  }

  /** The payload is never sent: an err that arrives anyway shows the length was judged before the payload. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("headersAboveTheLimit")
  void lengthAboveMaxFrameBytes_isRefusedBeforeItsPayload_thenClosed(String name, String header, long unsigned)
    throws Exception {
    Map<BridgeStats.Error, Long> errors = errors();
    try (BridgeClient client = connect()) {
      client.sendRaw(bytes(header));

      JsonObject err = client.read(ANSWER_WAIT);
      assertThat(err.getString("type")).isEqualTo("err");
      assertThat(err.getString("message")).isEqualTo("frame_too_large");
      assertThat(err.getString("detail")).as("the detail names the length read unsigned and the limit")
        .contains("(" + unsigned + ")").contains("(" + MAX_FRAME_BYTES + ")");
      assertThat(client.awaitClose(ANSWER_WAIT)).as("frames after the err").isEmpty();
    }
    assertCounted(errors, BridgeStats.Error.FRAME_TOO_LARGE);
    awaitNoBridgeClient();
  }

  /** The limit counts bytes: padded with 'é' (2 bytes in UTF-8) the document has fewer characters than bytes. */
  @ParameterizedTest(name = "padded with ''{0}''")
  @ValueSource(strings = {"x", "é"})
  void frameOfExactlyMaxFrameBytes_isAccepted_andOneByteMore_isRefusedThenClosed(String pad) throws Exception {
    Map<BridgeStats.Error, Long> errors = errors();
    try (BridgeClient client = connect()) {
      byte[] atLimit = paddedPing(MAX_FRAME_BYTES, pad);
      assertThat(atLimit).hasSize(MAX_FRAME_BYTES);
      client.sendRaw(BridgeClient.frame(atLimit));
      assertThat(client.read(ANSWER_WAIT).getString("type")).isEqualTo("pong");
      assertThat(errors()).as("no error for a frame of exactly the limit").isEqualTo(errors);

      client.sendRaw(BridgeClient.frame(paddedPing(MAX_FRAME_BYTES + 1, pad)));

      JsonObject err = client.read(ANSWER_WAIT);
      assertThat(err.getString("message")).isEqualTo("frame_too_large");
      assertThat(err.getString("detail")).contains("(" + (MAX_FRAME_BYTES + 1) + ")");
      assertThat(client.awaitClose(ANSWER_WAIT)).as("frames after the err").isEmpty();
    }
    assertCounted(errors, BridgeStats.Error.FRAME_TOO_LARGE);
  }

  static Stream<Arguments> truncatedFrames() {
    return Stream.of(
      Arguments.of("half a header", bytes("00 00")),
      Arguments.of("a header without its payload", bytes("00 00 00 20")),
      Arguments.of("half a payload", concat(bytes("00 00 00 20"), ascii("{\"type\":\"pi"))));
  }

  /** The client registered first: its registration must go with the connection. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("truncatedFrames")
  void frameTruncatedByTheClientsClose_closesTheConnection_andNothingIsHeld(String name, byte[] tail)
    throws Exception {
    Map<BridgeStats.Error, Long> errors = errors();
    long accepted = stats().accepted();
    try (BridgeClient client = connect()) {
      client.register(PERMITTED);
      assertThat(stats().registrations()).isEqualTo(1);

      client.sendRaw(tail);
      client.shutdownOutput();

      List<JsonObject> before = client.awaitClose(ANSWER_WAIT);
      assertThat(before).as("at most an err bad_frame before the gateway's close")
        .allSatisfy(f -> assertThat(f.getString("message")).isEqualTo("bad_frame")).hasSizeLessThanOrEqualTo(1);
    }
    assertThat(stats().accepted()).isEqualTo(accepted + 1);
    awaitNoBridgeClient();
    assertThat(stats().registrations()).as("registrations left").isZero();
    assertCounted(errors, BridgeStats.Error.BAD_FRAME);
  }

  // ---- documents

  @Test
  void badJson_getsInvalidJson_andTheConnectionStaysUsable() throws Exception {
    Map<BridgeStats.Error, Long> errors = errors();
    long framesIn = stats().framesIn();
    try (BridgeClient client = connect()) {
      client.sendRaw(BridgeClient.frame(ascii("{\"type\": \"ping\"")));

      assertErr(client, "invalid_json");
      assertUsable(client);
    }
    assertCounted(errors, BridgeStats.Error.BAD_JSON);
    assertThat(stats().framesIn()).as("the bad frame and the ping").isEqualTo(framesIn + 2);
  }

  @ParameterizedTest(name = "document ''{0}''")
  @ValueSource(strings = {"[1,2]", "[{\"type\":\"ping\"}]", "\"ping\"", "42", "true", "null", "", "  "})
  void jsonThatIsNotAnObject_getsInvalidJson_andTheConnectionStaysUsable(String document) throws Exception {
    Map<BridgeStats.Error, Long> errors = errors();
    try (BridgeClient client = connect()) {
      client.sendRaw(BridgeClient.frame(ascii(document)));

      assertErr(client, "invalid_json");
      assertUsable(client);
    }
    assertCounted(errors, BridgeStats.Error.BAD_JSON);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {
    "{\"type\":\"sned\",\"address\":\"proto.ok.a\"}",
    "{\"type\":\"PING\"}",
    "{\"type\":\"pong\"}",
    "{\"type\":42,\"address\":\"proto.ok.a\"}",
    "{\"type\":null}",
    "{\"address\":\"proto.ok.a\",\"body\":\"no type\"}"})
  void unknownType_getsUnknownType_andTheConnectionStaysUsable(String document) throws Exception {
    Map<BridgeStats.Error, Long> errors = errors();
    try (BridgeClient client = connect()) {
      client.send(new JsonObject(document));

      assertErr(client, "unknown_type");
      assertUsable(client);
    }
    assertCounted(errors, BridgeStats.Error.UNKNOWN_TYPE);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {
    "{\"type\":\"send\",\"body\":\"x\"}",
    "{\"type\":\"send\",\"address\":\"\",\"body\":\"x\"}",
    "{\"type\":\"publish\",\"body\":\"x\"}",
    "{\"type\":\"register\"}",
    "{\"type\":\"register\",\"address\":42}",
    "{\"type\":\"unregister\",\"address\":null}"})
  void missingAddress_getsMissingAddress_andTheConnectionStaysUsable(String document) throws Exception {
    Map<BridgeStats.Error, Long> errors = errors();
    try (BridgeClient client = connect()) {
      client.send(new JsonObject(document));

      assertErr(client, "missing_address");
      assertUsable(client);
    }
    assertCounted(errors, BridgeStats.Error.MISSING_ADDRESS);
    assertThat(stats().registrations()).isZero();
  }

  // ---- permissions

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {
    "{\"type\":\"send\",\"address\":\"proto.unused\",\"body\":\"x\"}",
    "{\"type\":\"send\",\"address\":\"proto.unused\",\"body\":\"x\",\"replyAddress\":\"me.1\"}",
    "{\"type\":\"publish\",\"address\":\"proto.unused\",\"body\":\"x\"}",
    "{\"type\":\"send\",\"address\":\"tcpgate.events\",\"body\":\"x\"}",
    "{\"type\":\"publish\",\"address\":\"x.tcpgate.broadcast.lines\",\"body\":\"x\"}"})
  void sendOrPublishToAnAddressNotInboundPermitted_getsAccessDenied(String document) throws Exception {
    Map<BridgeStats.Error, Long> errors = errors();
    AtomicReference<Object> delivered = new AtomicReference<>();
    MessageConsumer<Object> consumer = gw.vertx().eventBus().consumer("proto.unused", m -> delivered.set(m.body()));
    consumer.completion().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    try (BridgeClient client = connect()) {
      client.send(new JsonObject(document));

      assertErr(client, "access_denied");
      assertUsable(client);
    } finally {
      consumer.unregister();
    }
    assertCounted(errors, BridgeStats.Error.ACCESS_DENIED);
    assertThat(delivered.get()).as("what reached the address").isNull();
  }

  /** Permissions match the whole address: a permitted pattern inside a longer address does not count. */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"proto.okay", "prefix.proto.ok.a", "tcpgate.events", "proto.unused"})
  void registerForAnAddressNotOutboundPermitted_getsAccessDenied_andNoRegistration(String address)
    throws Exception {
    Map<BridgeStats.Error, Long> errors = errors();
    try (BridgeClient client = connect()) {
      client.send(new JsonObject().put("type", "register").put("address", address));

      assertErr(client, "access_denied");
      assertUsable(client);
      assertThat(stats().registrations()).isZero();
    }
    assertCounted(errors, BridgeStats.Error.ACCESS_DENIED);
  }

  @Test
  void unregisterOfAnAddressNotRegistered_getsUnknownAddress() throws Exception {
    Map<BridgeStats.Error, Long> errors = errors();
    try (BridgeClient client = connect()) {
      client.send(new JsonObject().put("type", "unregister").put("address", PERMITTED));
      assertErr(client, "unknown_address");
      assertUsable(client);

      client.register(PERMITTED);
      assertThat(stats().registrations()).isEqualTo(1);
      client.send(new JsonObject().put("type", "unregister").put("address", PERMITTED));
      assertThat(client.sync()).as("frames after a valid unregister").isEmpty();
      assertThat(stats().registrations()).isZero();

      client.send(new JsonObject().put("type", "unregister").put("address", PERMITTED));
      assertErr(client, "unknown_address");
      assertUsable(client);
    }
    assertCounted(errors, BridgeStats.Error.UNKNOWN_ADDRESS, 2);
  }

  // ---- idle timeout

  @Test
  void silentClient_isClosedByTheIdleTimeout() throws Exception {
    BridgeStats idleStats = idleGw.gateway().bridge().stats();
    try (BridgeClient client = BridgeClient.connect(idleGw.gateway().bridge().port())) {
      client.register(PERMITTED);
      long lastSent = System.nanoTime();

      List<JsonObject> before = client.awaitClose(Duration.ofSeconds(10));

      long silentMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastSent);
      assertThat(before).as("frames before the close").isEmpty();
      assertThat(silentMs).as("closed after 1 s of silence (swept every second), not at once")
        .isBetween(900L, 5_000L);
    }
    TestGateway.await("the idle client gone", 5_000, () -> idleStats.openConnections() == 0
      && idleStats.registrations() == 0);
  }

  @Test
  void clientThatPingsEvery300Ms_staysConnectedPastTheIdleTimeout() throws Exception {
    ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
    try (BridgeClient client = BridgeClient.connect(idleGw.gateway().bridge().port())) {
      client.register(PERMITTED);
      long started = System.nanoTime();
      AtomicReference<Throwable> pingFailure = new AtomicReference<>();
      pacer.scheduleAtFixedRate(() -> {
        try {
          client.send(new JsonObject().put("type", "ping"));
        } catch (IOException e) {
          pingFailure.compareAndSet(null, e);
        }
      }, 300, 300, TimeUnit.MILLISECONDS);

      int pongs = 0;
      while (System.nanoTime() - started < TimeUnit.MILLISECONDS.toNanos(2_500)) {
        JsonObject frame = client.read(Duration.ofSeconds(5));
        assertThat(frame.getString("type")).isEqualTo("pong");
        pongs++;
      }
      pacer.shutdownNow();
      assertThat(pingFailure.get()).as("ping failure").isNull();
      assertThat(pongs).as("a pong for each ping in 2.5 s").isGreaterThanOrEqualTo(6);
      assertThat(client.sync()).as("still connected after 2.5 s").isEmpty();
      assertThat(idleGw.gateway().bridge().stats().registrations()).as("still registered").isEqualTo(1);
    } finally {
      pacer.shutdownNow();
    }
  }

  // ---- helpers

  private static BridgeStats stats() {
    return gw.gateway().bridge().stats();
  }

  private static BridgeClient connect() throws IOException {
    return BridgeClient.connect(gw.gateway().bridge().port());
  }

  /**
   * A ping document padded with an ignored field to exactly {@code size} bytes of UTF-8: {@code pad} repeated, then
   * 'x' for what a multi-byte pad cannot fill.
   */
  private static byte[] paddedPing(int size, String pad) {
    String head = "{\"type\":\"ping\",\"pad\":\"";
    String tail = "\"}";
    int room = size - head.length() - tail.length();
    int padBytes = pad.getBytes(StandardCharsets.UTF_8).length;
    String padding = pad.repeat(room / padBytes) + "x".repeat(room % padBytes);
    byte[] document = (head + padding + tail).getBytes(StandardCharsets.UTF_8);
    assertThat(new JsonObject(new String(document, StandardCharsets.UTF_8)).getString("type")).isEqualTo("ping");
    return document;
  }

  private static void assertErr(BridgeClient client, String message) throws IOException {
    JsonObject err = client.read(ANSWER_WAIT);
    assertThat(err.getString("type")).as("frame type of %s", err.encode()).isEqualTo("err");
    assertThat(err.getString("message")).as("err message of %s", err.encode()).isEqualTo(message);
  }

  /** A ping gets its pong and nothing else comes before it: the stream is still in step. */
  private static void assertUsable(BridgeClient client) throws IOException {
    assertThat(client.sync()).as("frames before the pong").isEmpty();
    assertThat(client.endOfStream()).isFalse();
  }

  private static Map<BridgeStats.Error, Long> errors() {
    Map<BridgeStats.Error, Long> errors = new EnumMap<>(BridgeStats.Error.class);
    for (BridgeStats.Error error : BridgeStats.Error.values()) {
      errors.put(error, stats().errors(error));
    }
    return errors;
  }

  private static void assertCounted(Map<BridgeStats.Error, Long> before, BridgeStats.Error kind) {
    assertCounted(before, kind, 1);
  }

  /** Exactly {@code n} more errors of {@code kind}, and no other kind counted. */
  private static void assertCounted(Map<BridgeStats.Error, Long> before, BridgeStats.Error kind, int n) {
    Map<BridgeStats.Error, Long> expected = new EnumMap<>(before);
    expected.merge(kind, (long) n, Long::sum);
    assertThat(errors()).as("BridgeStats errors").isEqualTo(expected);
  }

  private static void awaitNoBridgeClient() throws InterruptedException {
    TestGateway.await("no bridge client open", 5_000, () -> stats().openConnections() == 0);
  }

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }
}
