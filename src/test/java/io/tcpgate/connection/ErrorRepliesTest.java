package io.tcpgate.connection;

import io.tcpgate.metrics.ListenerStats.Outcome;
import io.tcpgate.testing.RawClient;
import io.tcpgate.testing.TestGateway;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Errors take the frame's place in the reply order and leave the connection usable. */
@ExtendWith(VertxExtension.class)
class ErrorRepliesTest {

  private TestGateway gw;
  private final LinkedBlockingQueue<Message<Object>> held = new LinkedBlockingQueue<>();

  @BeforeEach
  void setUp(VertxTestContext ctx) {
    gw = new TestGateway();
    gw.vertx().eventBus().<Object>consumer("mixed", m -> {
      String body = m.body().toString();
      switch (body) {
        case "fail":
          m.fail(42, "disk on fire");
          break;
        case "slow":
          break;
        case "hold":
          held.add(m);
          break;
        case "fail-silently":
          m.fail(7, null);
          break;
        case "unencodable":
          m.reply(new JsonObject().put("x", new Object()));
          break;
        case "throw":
          throw new IllegalStateException("handler blew up");
        default:
          m.reply(body);
      }
    });
    gw.start(TestGateway.config(
        TestGateway.listener("mixed", "mixed").put("requestTimeoutMs", 300).put("dispatch", "parallel"),
        TestGateway.listener("nobody", "nobody.home"),
        TestGateway.listener("custom", "nobody.home").put("errorTemplate", "-{code}: {message}!")))
      .onComplete(ctx.succeedingThenComplete());
  }

  @AfterEach
  void tearDown(VertxTestContext ctx) {
    gw.close().onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void everyErrorKind_takesItsFramesPlace_andTheConnectionStaysUsable() throws Exception {
    try (RawClient client = RawClient.connect(gw.port("mixed"))) {
      client.send("a\nfail\nb\nslow\nc\n");
      assertThat(client.readLine()).isEqualTo("a");
      assertThat(client.readLine()).isEqualTo("ERR worker-failed disk on fire");
      assertThat(client.readLine()).isEqualTo("b");
      assertThat(client.readLine()).isEqualTo("ERR timeout");
      assertThat(client.readLine()).isEqualTo("c");
      client.send("d\n");
      assertThat(client.readLine()).isEqualTo("d");
    }
    var stats = gw.stats().listener("mixed");
    assertThat(stats.outcomes(Outcome.OK)).isEqualTo(4);
    assertThat(stats.outcomes(Outcome.WORKER_FAILED)).isEqualTo(1);
    assertThat(stats.outcomes(Outcome.TIMEOUT)).isEqualTo(1);
    gw.awaitNothingHeld(15_000);
  }

  @Test
  void failWithoutMessage_andAReplyThatCannotBeEncoded_areWorkerFailed_inTheirPlace() throws Exception {
    try (RawClient client = RawClient.connect(gw.port("mixed"))) {
      client.send("fail-silently\nunencodable\na\n");
      assertThat(client.readLine()).isEqualTo("ERR worker-failed");
      assertThat(client.readLine()).startsWith("ERR worker-failed ");
      assertThat(client.readLine()).isEqualTo("a");
    }
    var stats = gw.stats().listener("mixed");
    assertThat(stats.outcomes(Outcome.WORKER_FAILED)).isEqualTo(2);
    assertThat(stats.outcomes(Outcome.OK)).isEqualTo(1);
    gw.awaitNothingHeld(15_000);
  }

  @Test
  void expiredRequests_getTimeoutInOrder_andTheirLateRepliesAreDropped() throws Exception {
    try (RawClient client = RawClient.connect(gw.port("mixed"))) {
      client.send("hold\nhold\na\nhold\n");
      assertThat(client.readLine()).isEqualTo("ERR timeout");
      assertThat(client.readLine()).isEqualTo("ERR timeout");
      assertThat(client.readLine()).isEqualTo("a");
      assertThat(client.readLine()).isEqualTo("ERR timeout");
      assertThat(gw.gateway().repliesAwaited()).as("expired requests are forgotten").isZero();
      for (int i = 0; i < 3; i++) {
        held.poll(15, TimeUnit.SECONDS).reply("too late " + i);
      }
      client.send("b\n");
      assertThat(client.readLine()).as("late replies are not written").isEqualTo("b");
    }
    var stats = gw.stats().listener("mixed");
    assertThat(stats.outcomes(Outcome.TIMEOUT)).isEqualTo(3);
    assertThat(stats.outcomes(Outcome.OK)).isEqualTo(2);
    assertThat(stats.framesOut()).isEqualTo(5);
    gw.awaitNothingHeld(15_000);
  }

  @Test
  void resetWithRequestsInFlight_forgetsThemAtOnce() throws Exception {
    try (RawClient client = RawClient.connect(gw.port("mixed"))) {
      client.send("hold\nhold\n");
      TestGateway.await("both requests held", 15_000, () -> held.size() == 2);
      assertThat(gw.gateway().repliesAwaited()).isEqualTo(2);
      client.reset();
    }
    TestGateway.await("connection closed", 15_000, () -> gw.stats().listener("mixed").openConnections() == 0);
    assertThat(gw.gateway().repliesAwaited()).isZero();
    assertThat(gw.stats().listener("mixed").inFlight()).isZero();
    assertThat(gw.stats().listener("mixed").outcomes(Outcome.ABANDONED)).isEqualTo(2);
    held.forEach(m -> m.reply("nobody listens"));
    gw.awaitNothingHeld(15_000);
    assertThat(gw.stats().listener("mixed").framesOut()).isZero();
  }

  @Test
  void noConsumer_getsNoHandler_andTheConnectionStaysUsable() throws Exception {
    try (RawClient client = RawClient.connect(gw.port("nobody"))) {
      client.send("x\ny\n");
      assertThat(client.readLine()).isEqualTo("ERR no-handler");
      assertThat(client.readLine()).isEqualTo("ERR no-handler");
      gw.vertx().eventBus().consumer("nobody.home", m -> m.reply("home now")).completion()
        .toCompletionStage().toCompletableFuture().get();
      client.send("z\n");
      assertThat(client.readLine()).isEqualTo("home now");
    }
    assertThat(gw.stats().listener("nobody").outcomes(Outcome.NO_HANDLER)).isEqualTo(2);
  }

  @Test
  void errorTemplate_isPerListener() throws Exception {
    try (RawClient client = RawClient.connect(gw.port("custom"))) {
      client.send("x\n");
      assertThat(client.readLine()).isEqualTo("-no-handler: !");
    }
  }
}
