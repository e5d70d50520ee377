package io.tcpgate.connection;

import io.tcpgate.metrics.ListenerStats;
import io.tcpgate.metrics.ListenerStats.Outcome;
import io.tcpgate.testing.RawClient;
import io.tcpgate.testing.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A saturated listener says so at once: {@code ERR busy} (not processed, safe to retry) instead of a timeout after the
 * full request deadline, never a lost reply, and recovery when the load drops.
 */
@ExtendWith(VertxExtension.class)
class OverloadTest {

  private static final long REQUEST_TIMEOUT_MS = 20_000;

  private TestGateway gw;
  private final List<Message<Object>> held = new CopyOnWriteArrayList<>();

  @AfterEach
  void tearDown(VertxTestContext ctx) {
    TestGateway.close(gw, ctx);
  }

  private void start(JsonObject overload) throws Exception {
    gw = new TestGateway();
    gw.vertx().eventBus().<Object>consumer("held", held::add);
    gw.start(TestGateway.config(TestGateway.listener("busy", "held").put("requestTimeoutMs", REQUEST_TIMEOUT_MS)
        .put("overload", overload)))
      .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void framesBeyondTheListenersInFlightLimit_getErrBusyAtOnce_andNothingIsLost() throws Exception {
    start(new JsonObject().put("maxInFlight", 5));
    int port = gw.port("busy");
    ListenerStats stats = gw.stats().listener("busy");
    List<RawClient> holders = new ArrayList<>();
    try {
      for (int i = 0; i < 5; i++) {
        RawClient client = RawClient.connect(port);
        holders.add(client);
        client.send("held " + i + "\n");
      }
      TestGateway.await("five frames with the worker", 5_000, () -> held.size() == 5);
      try (RawClient flood = RawClient.connect(port)) {
        long start = System.nanoTime();
        StringBuilder frames = new StringBuilder();
        for (int i = 0; i < 50; i++) {
          frames.append("excess ").append(i).append('\n');
        }
        flood.send(frames.toString());
        for (int i = 0; i < 50; i++) {
          assertThat(flood.readLine()).isEqualTo("ERR busy");
        }
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(elapsedMs).as("answered at once, not after the %d ms request timeout", REQUEST_TIMEOUT_MS)
          .isLessThan(REQUEST_TIMEOUT_MS / 4);
        assertThat(held).as("no busy frame reached the worker").hasSize(5);

        held.forEach(m -> m.reply("done " + m.body()));
        for (int i = 0; i < 5; i++) {
          assertThat(holders.get(i).readLine()).isEqualTo("done held " + i);
        }
        held.clear();
        flood.send("after\n");
        TestGateway.await("the frame after recovery with the worker", 5_000, () -> held.size() == 1);
        held.get(0).reply("recovered");
        assertThat(flood.readLine()).isEqualTo("recovered");
      }
      assertThat(stats.outcomes(Outcome.BUSY)).isEqualTo(50);
      assertThat(stats.outcomes(Outcome.OK)).isEqualTo(6);
      assertThat(stats.outcomes(Outcome.TIMEOUT)).isZero();
    } finally {
      for (RawClient client : holders) {
        client.close();
      }
    }
    gw.awaitNothingHeld(5_000);
  }

  @Test
  void aRequestTheConsumersFullQueueDiscards_isBusyAtOnce_notATimeout() throws Exception {
    gw = new TestGateway();
    MessageConsumer<Object> consumer = gw.vertx().eventBus().consumer(new io.vertx.core.eventbus.MessageConsumerOptions()
      .setAddress("queue").setMaxBufferedMessages(1));
    consumer.handler(held::add).pause();
    gw.start(TestGateway.config(TestGateway.listener("queued", "queue").put("requestTimeoutMs", REQUEST_TIMEOUT_MS)))
      .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    int port = gw.port("queued");
    List<RawClient> clients = new ArrayList<>();
    try {
      long start = System.nanoTime();
      for (int i = 0; i < 3; i++) {
        RawClient client = RawClient.connect(port);
        clients.add(client);
        client.send("frame " + i + "\n");
      }
      ListenerStats stats = gw.stats().listener("queued");
      TestGateway.await("the frames the queue cannot hold refused", 5_000,
        () -> stats.outcomes(Outcome.BUSY) >= 2);
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(REQUEST_TIMEOUT_MS / 4);
      assertThat(stats.outcomes(Outcome.TIMEOUT)).isZero();
      assertThat(stats.outcomes(Outcome.NO_HANDLER)).isZero();
    } finally {
      for (RawClient client : clients) {
        client.close();
      }
    }
  }

  @Test
  void stopAccepting_holdsNewConnectionsInTheBacklog_untilTheLoadDrops() throws Exception {
    start(new JsonObject().put("maxInFlight", 2).put("stopAccepting", true).put("resumeAcceptingBelow", 1));
    int port = gw.port("busy");
    ListenerStats stats = gw.stats().listener("busy");
    try (RawClient a = RawClient.connect(port); RawClient b = RawClient.connect(port)) {
      a.send("a\n");
      b.send("b\n");
      TestGateway.await("two frames with the worker", 5_000, () -> held.size() == 2);
      TestGateway.await("accepting stopped", 5_000, stats::acceptPaused);
      try (RawClient waiting = RawClient.connect(port)) {
        waiting.send("c\n");
        assertThat(stats.accepted()).as("the third connection waits in the backlog").isEqualTo(2);
        held.forEach(m -> m.reply(m.body()));
        assertThat(a.readLine()).isEqualTo("a");
        assertThat(b.readLine()).isEqualTo("b");
        TestGateway.await("accepting again", 5_000, () -> !stats.acceptPaused());
        try {
          TestGateway.await("the third frame with the worker", 5_000, () -> held.size() == 3);
        } catch (AssertionError e) {
          throw new AssertionError(e.getMessage() + " (accepted " + stats.accepted() + ", open "
            + stats.openConnections() + ", frames in " + stats.framesIn() + ")");
        }
        assertThat(stats.accepted()).isEqualTo(3);
        held.get(2).reply("c");
        assertThat(waiting.readLine()).isEqualTo("c");
      }
    }
    assertThat(stats.refusals()).as("backlog, not refusal").isZero();
  }

  @Test
  void theLagProbe_measuresHowLateItsEventLoopRuns(VertxTestContext ctx) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      io.vertx.core.Context context = vertx.getOrCreateContext();
      LagProbe probe = new LagProbe(vertx);
      java.util.concurrent.CompletableFuture<Void> started = new java.util.concurrent.CompletableFuture<>();
      context.runOnContext(v -> {
        probe.start();
        started.complete(null);
      });
      started.get(5, TimeUnit.SECONDS);
      context.runOnContext(v -> {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(400);
        while (System.nanoTime() < until) {
          Thread.onSpinWait();
        }
      });
      java.util.concurrent.atomic.AtomicLong seen = new java.util.concurrent.atomic.AtomicLong();
      TestGateway.await("the blocked loop measured late", 5_000, () -> {
        java.util.concurrent.CompletableFuture<Long> lag = new java.util.concurrent.CompletableFuture<>();
        context.runOnContext(v -> lag.complete(probe.lagMs()));
        try {
          seen.accumulateAndGet(lag.get(5, TimeUnit.SECONDS), Math::max);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
        return seen.get() >= 200;
      });
      assertThat(seen.get()).isBetween(200L, 2_000L);
    } finally {
      vertx.close().onComplete(ctx.succeedingThenComplete());
    }
  }
}
