package io.tcpgate.bus;

import io.tcpgate.testing.RawClient;
import io.tcpgate.testing.TestGateway;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Server push to one connection by id, broadcast to a listener, and connection lifecycle events. */
@ExtendWith(VertxExtension.class)
class PushAndEventsTest {

  private TestGateway gw;
  private final LinkedBlockingQueue<JsonObject> events = new LinkedBlockingQueue<>();

  @BeforeEach
  void setUp(VertxTestContext ctx) {
    gw = new TestGateway();
    gw.vertx().eventBus().consumer("echo", m -> m.reply(m.body()));
    gw.vertx().eventBus().<JsonObject>consumer(GatewayHeaders.EVENTS_ADDRESS, m -> events.add(m.body()))
      .completion()
      .compose(v -> gw.start(TestGateway.config(TestGateway.listener("lines", "echo"),
        TestGateway.listener("other", "echo"))))
      .onComplete(ctx.succeedingThenComplete());
  }

  @AfterEach
  void tearDown(VertxTestContext ctx) {
    gw.close().onComplete(ctx.succeedingThenComplete());
  }

  private JsonObject nextEvent() throws InterruptedException {
    JsonObject event = events.poll(15, TimeUnit.SECONDS);
    assertThat(event).as("a lifecycle event").isNotNull();
    return event;
  }

  private Object push(String connectionId, Object body, DeliveryOptions options) throws Exception {
    return gw.vertx().eventBus().request(GatewayHeaders.pushAddress(connectionId), body, options)
      .toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS).body();
  }

  @Test
  void pushReachesOneConnectionById_betweenItsReplies_andCanCloseIt() throws Exception {
    try (RawClient a = RawClient.connect(gw.port("lines")); RawClient b = RawClient.connect(gw.port("lines"))) {
      JsonObject connectedA = nextEvent();
      JsonObject connectedB = nextEvent();
      assertThat(connectedA.getString("event")).isEqualTo("connected");
      assertThat(connectedA.getString("listener")).isEqualTo("lines");
      String idA = connectedA.getString("remoteAddress").endsWith(":" + a.socket().getLocalPort())
        ? connectedA.getString("connectionId") : connectedB.getString("connectionId");
      a.send("before\n");
      assertThat(a.readLine()).isEqualTo("before");
      assertThat(push(idA, "pushed", GatewayHeaders.pushOptions(idA))).isEqualTo("ok");
      assertThat(a.readLine()).isEqualTo("pushed");
      a.send("after\n");
      assertThat(a.readLine()).isEqualTo("after");
      assertThat(push(idA, new JsonObject().put("bye", true), GatewayHeaders.pushOptions(idA)
        .addHeader(GatewayHeaders.CLOSE, "true"))).isEqualTo("ok");
      assertThat(a.readLine()).isEqualTo("{\"bye\":true}");
      assertThat(a.awaitClosedByServer()).isTrue();
      JsonObject closed = nextEvent();
      assertThat(closed.getString("event")).isEqualTo("closed");
      assertThat(closed.getString("connectionId")).isEqualTo(idA);
      assertThat(closed.getString("reason")).isEqualTo("server");

      ExecutionException gone = assertThrows(ExecutionException.class,
        () -> push(idA, "late", GatewayHeaders.pushOptions(idA)));
      assertThat(gone.getCause()).isInstanceOf(ReplyException.class);
      assertThat(((ReplyException) gone.getCause()).failureCode()).isEqualTo(GatewayHeaders.NO_CONNECTION);

      b.send("still here\n");
      assertThat(b.readLine()).as("the other connection saw no push").isEqualTo("still here");
    }
  }

  @Test
  void pushToANodeThatIsGone_failsWithNoHandlers() {
    String foreign = "ffffffffffff-1";
    ExecutionException failure = assertThrows(ExecutionException.class,
      () -> push(foreign, "x", GatewayHeaders.pushOptions(foreign)));
    assertThat(((ReplyException) failure.getCause()).failureType()).isEqualTo(ReplyFailure.NO_HANDLERS);
  }

  @Test
  void broadcastReachesEveryConnectionOfThatListenerOnly() throws Exception {
    try (RawClient a = RawClient.connect(gw.port("lines")); RawClient b = RawClient.connect(gw.port("lines"));
         RawClient c = RawClient.connect(gw.port("other"))) {
      TestGateway.await("three connections open", 15_000, () -> gw.stats().openConnections() == 3);
      gw.vertx().eventBus().publish(GatewayHeaders.broadcastAddress("lines"), "to all");
      assertThat(a.readLine()).isEqualTo("to all");
      assertThat(b.readLine()).isEqualTo("to all");
      c.send("ping\n");
      assertThat(c.readLine()).as("the other listener got no broadcast").isEqualTo("ping");
    }
  }

  @Test
  void clientClose_isPublishedWithItsReason() throws Exception {
    RawClient client = RawClient.connect(gw.port("other"));
    String id = nextEvent().getString("connectionId");
    client.reset();
    JsonObject closed = nextEvent();
    assertThat(closed.getString("connectionId")).isEqualTo(id);
    assertThat(closed.getString("reason")).isIn("reset", "client");
    assertThat(closed.getString("node")).isEqualTo(id.substring(0, id.indexOf('-')));
  }
}
