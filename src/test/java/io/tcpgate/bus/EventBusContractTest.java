package io.tcpgate.bus;

import io.tcpgate.Gateway;
import io.tcpgate.config.GatewayConfig;
import io.tcpgate.metrics.GatewayStats;
import io.tcpgate.testing.RawClient;
import io.tcpgate.testing.TestGateway;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The event-bus contract of {@link GatewayHeaders}: bodies, headers, reply handling. */
@ExtendWith(VertxExtension.class)
class EventBusContractTest {

  private TestGateway gw;
  private final LinkedBlockingQueue<MultiMap> headers = new LinkedBlockingQueue<>();
  private final List<Object> bodies = new CopyOnWriteArrayList<>();

  @BeforeEach
  void setUp(VertxTestContext ctx) {
    gw = new TestGateway();
    gw.vertx().eventBus().consumer("record", m -> {
      headers.add(m.headers());
      bodies.add(m.body());
      Object body = m.body();
      if (body instanceof JsonObject) {
        m.reply(new JsonObject().put("got", ((JsonObject) body).getValue("n")));
      } else if (body instanceof String) {
        m.reply("string:" + body);
      } else {
        m.reply(Buffer.buffer("buffer:").appendBuffer((Buffer) body));
      }
    });
    gw.vertx().eventBus().consumer("closer", m -> m.reply("bye", GatewayHeaders.closeAfterReply()));
    gw.vertx().eventBus().consumer("silent", m -> m.reply(null));
    gw.start(TestGateway.config(
        TestGateway.listener("buf", "record"),
        TestGateway.listener("str", "record").put("body", "string"),
        TestGateway.listener("json", "record").put("body", "json"),
        TestGateway.listener("close", "closer"),
        TestGateway.listener("silent", "silent"),
        TestGateway.listener("fire", "sink").put("reply", false),
        TestGateway.listener("broadcast", "fanout").put("reply", false).put("publish", true)))
      .onComplete(ctx.succeedingThenComplete());
  }

  @AfterEach
  void tearDown(VertxTestContext ctx) {
    gw.close().onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void everyRequest_carriesTheDocumentedHeaders() throws Exception {
    long before = System.currentTimeMillis();
    try (RawClient client = RawClient.connect(gw.port("buf"))) {
      client.send("one\ntwo\n");
      assertThat(client.readLine()).isEqualTo("buffer:one");
      assertThat(client.readLine()).isEqualTo("buffer:two");
      MultiMap first = headers.poll(15, TimeUnit.SECONDS);
      MultiMap second = headers.poll(15, TimeUnit.SECONDS);
      assertThat(first.get(GatewayHeaders.LISTENER)).isEqualTo("buf");
      assertThat(first.get(GatewayHeaders.SEQUENCE)).isEqualTo("1");
      assertThat(second.get(GatewayHeaders.SEQUENCE)).isEqualTo("2");
      assertThat(first.get(GatewayHeaders.CONNECTION_ID)).matches("[0-9a-f]{12}-[0-9a-z]+")
        .isEqualTo(second.get(GatewayHeaders.CONNECTION_ID));
      assertThat(first.get(GatewayHeaders.REMOTE_ADDRESS))
        .isEqualTo("127.0.0.1:" + client.socket().getLocalPort());
      assertThat(first.get(GatewayHeaders.LOCAL_ADDRESS)).isEqualTo("127.0.0.1:" + gw.port("buf"));
      long deadline = Long.parseLong(first.get(GatewayHeaders.DEADLINE));
      assertThat(deadline).isBetween(before + 5_000, System.currentTimeMillis() + 5_000);
    }
    try (RawClient other = RawClient.connect(gw.port("buf"))) {
      other.send("x\n");
      other.readLine();
      MultiMap third = headers.poll(15, TimeUnit.SECONDS);
      assertThat(third.get(GatewayHeaders.SEQUENCE)).isEqualTo("1");
      assertThat(bodies).allSatisfy(b -> assertThat(b).isInstanceOf(Buffer.class));
    }
  }

  @Test
  void twoGatewaysOnOneVertx_neverTakeEachOthersReplies() throws Exception {
    for (String name : List.of("first", "second")) {
      gw.vertx().eventBus().<String>consumer("slow-" + name, m -> gw.vertx().setTimer(1 + m.body().length() % 3,
        t -> m.reply(name + ":" + m.body()))).completion().toCompletionStage().toCompletableFuture().get();
    }
    Gateway first = startGateway("first", "slow-first");
    Gateway second = startGateway("second", "slow-second");
    try (RawClient a = RawClient.connect(first.port("first"));
         RawClient b = RawClient.connect(second.port("second"))) {
      StringBuilder frames = new StringBuilder();
      for (int i = 0; i < 200; i++) {
        frames.append('f').append(i).append('\n');
      }
      a.send(frames.toString());
      b.send(frames.toString());
      for (int i = 0; i < 200; i++) {
        assertThat(a.readLine()).isEqualTo("first:f" + i);
        assertThat(b.readLine()).isEqualTo("second:f" + i);
      }
    } finally {
      first.stop().toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
      second.stop().toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
    }
  }

  private Gateway startGateway(String name, String address) throws Exception {
    JsonObject config = TestGateway.config(TestGateway.listener(name, address).put("body", "string"));
    return Gateway.start(gw.vertx(), GatewayConfig.fromJson(config), new GatewayStats(), 1)
      .toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
  }

  @Test
  void replyWithACustomCodec_isFramedAsWhatTheCodecMakesOfIt() throws Exception {
    gw.vertx().eventBus().registerCodec(new GreetingCodec());
    gw.vertx().eventBus().consumer("greeter", m -> m.reply(new Greeting("hello " + m.body()),
      new DeliveryOptions().setCodecName(GreetingCodec.NAME))).completion().toCompletionStage().toCompletableFuture()
      .get();
    Gateway greeter = startGateway("greet", "greeter");
    try (RawClient client = RawClient.connect(greeter.port("greet"))) {
      client.send("you\n");
      assertThat(client.readLine()).isEqualTo("hello you");
    } finally {
      greeter.stop().toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
    }
  }

  private record Greeting(String text) {
  }

  /** A local-only codec that turns a {@link Greeting} into its text. */
  private static final class GreetingCodec implements MessageCodec<Greeting, String> {
    static final String NAME = "greeting";

    @Override
    public void encodeToWire(Buffer buffer, Greeting greeting) {
      throw new UnsupportedOperationException("local only");
    }

    @Override
    public String decodeFromWire(int pos, Buffer buffer) {
      throw new UnsupportedOperationException("local only");
    }

    @Override
    public String transform(Greeting greeting) {
      return greeting.text();
    }

    @Override
    public String name() {
      return NAME;
    }

    @Override
    public byte systemCodecID() {
      return -1;
    }
  }

  @Test
  void stringBodies_areUtf8() throws Exception {
    try (RawClient client = RawClient.connect(gw.port("str"))) {
      client.send("héllo ✓\n");
      assertThat(client.readLine()).isEqualTo("string:héllo ✓");
      assertThat(bodies).containsExactly("héllo ✓");
    }
  }

  @Test
  void jsonBodies_areObjects_andAnythingElseGetsBadJson_inItsPlace() throws Exception {
    try (RawClient client = RawClient.connect(gw.port("json"))) {
      client.send("{\"n\":1}\n[1,2]\nnot json\n{\"n\":2}\n");
      assertThat(client.readLine()).isEqualTo("{\"got\":1}");
      assertThat(client.readLine()).isEqualTo("ERR bad-json");
      assertThat(client.readLine()).isEqualTo("ERR bad-json");
      assertThat(client.readLine()).isEqualTo("{\"got\":2}");
      assertThat(bodies).hasSize(2).allSatisfy(b -> assertThat(b).isInstanceOf(JsonObject.class));
    }
    assertThat(gw.stats().listener("json").outcomes(io.tcpgate.metrics.ListenerStats.Outcome.BAD_JSON)).isEqualTo(2);
  }

  @Test
  void closeHeader_closesAfterThatReply() throws Exception {
    try (RawClient client = RawClient.connect(gw.port("close"))) {
      client.send("a\n");
      assertThat(client.readLine()).isEqualTo("bye");
      assertThat(client.awaitClosedByServer()).isTrue();
    }
  }

  @Test
  void nullReply_writesNothing_butKeepsTheOrder() throws Exception {
    try (RawClient client = RawClient.connect(gw.port("silent"))) {
      client.send("a\n");
      TestGateway.await("reply settled", 15_000, () -> gw.stats().listener("silent").framesIn() == 1
        && gw.stats().listener("silent").inFlight() == 0);
      assertThat(gw.stats().listener("silent").framesOut()).isZero();
    }
  }

  @Test
  void fireAndForget_sendsToOneConsumer_andWritesNothingBack(VertxTestContext ctx) throws Exception {
    var received = ctx.checkpoint(3);
    gw.vertx().eventBus().consumer("sink", m -> {
      assertThat(m.headers().get(GatewayHeaders.LISTENER)).isEqualTo("fire");
      received.flag();
    });
    try (RawClient client = RawClient.connect(gw.port("fire"))) {
      client.send("a\nb\nc\n");
      assertThat(ctx.awaitCompletion(15, TimeUnit.SECONDS)).isTrue();
      assertThat(gw.stats().listener("fire").framesOut()).isZero();
      assertThat(gw.stats().listener("fire").inFlight()).isZero();
    }
  }

  @Test
  void publish_reachesEveryConsumer(VertxTestContext ctx) throws Exception {
    var received = ctx.checkpoint(4);
    gw.vertx().eventBus().consumer("fanout", m -> received.flag());
    gw.vertx().eventBus().consumer("fanout", m -> received.flag()).completion()
      .toCompletionStage().toCompletableFuture().get();
    try (RawClient client = RawClient.connect(gw.port("broadcast"))) {
      client.send("a\nb\n");
      assertThat(ctx.awaitCompletion(15, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void replyBodyOfANumberOrBoolean_isWrittenAsItsText() throws Exception {
    io.tcpgate.testing.TestGateway other = new io.tcpgate.testing.TestGateway();
    try {
      other.vertx().eventBus().consumer("numbers", m -> m.reply("a".equals(m.body().toString()) ? (Object) 42L : true));
      other.start(TestGateway.config(TestGateway.listener("numbers", "numbers").put("body", "string")))
        .toCompletionStage().toCompletableFuture().get();
      try (RawClient client = RawClient.connect(other.port("numbers"))) {
        client.send("a\nb\n");
        assertThat(client.readLine()).isEqualTo("42");
        assertThat(client.readLine()).isEqualTo("true");
      }
    } finally {
      other.close().toCompletionStage().toCompletableFuture().get();
    }
  }

  @Test
  void replyBodyOfAnUnsupportedType_becomesWorkerFailed() throws Exception {
    io.tcpgate.testing.TestGateway other = new io.tcpgate.testing.TestGateway();
    try {
      other.vertx().eventBus().registerDefaultCodec(java.util.UUID.class, new LocalOnlyCodec<>("uuid"));
      other.vertx().eventBus().consumer("weird", m -> m.reply(java.util.UUID.randomUUID()));
      other.start(TestGateway.config(TestGateway.listener("weird", "weird")))
        .toCompletionStage().toCompletableFuture().get();
      try (RawClient client = RawClient.connect(other.port("weird"))) {
        client.send("a\nb\n");
        assertThat(client.readLine()).startsWith("ERR worker-failed reply body of type java.util.UUID");
        assertThat(client.readLine()).startsWith("ERR worker-failed");
      }
    } finally {
      other.close().toCompletionStage().toCompletableFuture().get();
    }
  }

  /** Passes an object between verticles of one JVM as is: a body the gateway cannot write. */
  private static final class LocalOnlyCodec<T> implements io.vertx.core.eventbus.MessageCodec<T, T> {
    private final String name;

    LocalOnlyCodec(String name) {
      this.name = name;
    }

    @Override
    public void encodeToWire(io.vertx.core.buffer.Buffer buffer, T t) {
      throw new UnsupportedOperationException("local only");
    }

    @Override
    public T decodeFromWire(int pos, io.vertx.core.buffer.Buffer buffer) {
      throw new UnsupportedOperationException("local only");
    }

    @Override
    public T transform(T t) {
      return t;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public byte systemCodecID() {
      return -1;
    }
  }
}
