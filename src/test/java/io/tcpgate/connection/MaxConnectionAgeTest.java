package io.tcpgate.connection;

import io.tcpgate.config.ConnectionAgeConfig;
import io.tcpgate.metrics.ListenerStats;
import io.tcpgate.metrics.ListenerStats.CloseReason;
import io.tcpgate.metrics.ListenerStats.Outcome;
import io.tcpgate.testing.RawClient;
import io.tcpgate.testing.TestGateway;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The maximum connection age: drawn within its jitter, then the connection stops reading, answers what it took,
 * says goaway and closes; a worker that does not answer within the grace period does not hold it open.
 */
@ExtendWith(VertxExtension.class)
class MaxConnectionAgeTest {

  private TestGateway gw;
  private final List<Message<Object>> held = new CopyOnWriteArrayList<>();

  @AfterEach
  void tearDown(VertxTestContext ctx) {
    TestGateway.close(gw, ctx);
  }

  private void start(JsonObject listener) throws Exception {
    gw = new TestGateway();
    gw.vertx().eventBus().<Object>consumer("held", held::add);
    gw.start(TestGateway.config(listener.put("requestTimeoutMs", 30_000)))
      .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void agesSpreadUniformlyWithinTheJitter_withASeededSource() {
    ConnectionAgeConfig age = new ConnectionAgeConfig(3600, 0.1, 10_000, true);
    Random random = new Random(42);
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    double sum = 0;
    int below = 0;
    for (int i = 0; i < 1_000; i++) {
      long ms = age.drawMillis(random);
      assertThat(ms).isBetween(3_240_000L, 3_960_000L);
      min = Math.min(min, ms);
      max = Math.max(max, ms);
      sum += ms;
      below += ms < 3_600_000 ? 1 : 0;
    }
    assertThat(min).as("the low end of the range is used").isLessThan(3_260_000L);
    assertThat(max).as("the high end of the range is used").isGreaterThan(3_940_000L);
    assertThat(sum / 1_000).isCloseTo(3_600_000, org.assertj.core.data.Percentage.withPercentage(1));
    assertThat(below).as("about half below the nominal age").isBetween(440, 560);
    assertThat(new ConnectionAgeConfig(10, 0, 1, true).drawMillis(random)).isEqualTo(10_000);
  }

  @Test
  void atItsAge_aConnectionAnswersWhatItTook_saysGoaway_andCloses_withoutReadingMore() throws Exception {
    start(TestGateway.listener("aged", "held").put("dispatch", "parallel")
      .put("maxConnectionAgeSeconds", 1).put("maxConnectionAgeJitter", 0));
    ListenerStats stats = gw.stats().listener("aged");
    try (RawClient client = RawClient.connect(gw.port("aged"))) {
      long connected = System.nanoTime();
      client.send("one\ntwo\nthree\n");
      TestGateway.await("three frames with the worker", 5_000, () -> held.size() == 3);
      TestGateway.await("the age of 1 s passed", 5_000,
        () -> System.nanoTime() - connected > TimeUnit.MILLISECONDS.toNanos(1_300));
      client.send("four, not read\n");
      held.forEach(m -> m.reply(m.body()));
      assertThat(client.readLine()).isEqualTo("one");
      assertThat(client.readLine()).isEqualTo("two");
      assertThat(client.readLine()).isEqualTo("three");
      assertThat(client.readLine()).isEqualTo("ERR goaway");
      assertThat(client.awaitClosedByServer()).isTrue();
    }
    TestGateway.await("closed for its age", 5_000, () -> stats.closed(CloseReason.MAX_AGE) == 1);
    assertThat(held).as("the frame sent after the age was not processed").hasSize(3);
    assertThat(stats.framesIn()).isEqualTo(3);
    gw.awaitNothingHeld(5_000);
  }

  @Test
  void withoutGoaway_theConnectionJustCloses_afterItsReplies() throws Exception {
    start(TestGateway.listener("quiet", "held").put("maxConnectionAgeSeconds", 1)
      .put("maxConnectionAgeJitter", 0).put("sendGoaway", false));
    try (RawClient client = RawClient.connect(gw.port("quiet"))) {
      long connected = System.nanoTime();
      client.send("one\n");
      TestGateway.await("the frame with the worker", 5_000, () -> held.size() == 1);
      TestGateway.await("the age of 1 s passed", 5_000,
        () -> System.nanoTime() - connected > TimeUnit.MILLISECONDS.toNanos(1_300));
      assertThat(gw.stats().listener("quiet").closed(CloseReason.MAX_AGE)).as("still answering").isZero();
      held.get(0).reply("one");
      assertThat(client.readLine()).isEqualTo("one");
      assertThat(client.awaitClosedByServer()).isTrue();
    }
    TestGateway.await("closed for its age", 5_000,
      () -> gw.stats().listener("quiet").closed(CloseReason.MAX_AGE) == 1);
  }

  @Test
  void aWorkerThatDoesNotAnswer_leadsToTheForcedCloseAtTheGraceDeadline() throws Exception {
    start(TestGateway.listener("slow", "held").put("maxConnectionAgeSeconds", 1)
      .put("maxConnectionAgeJitter", 0).put("maxConnectionAgeGraceMs", 300));
    ListenerStats stats = gw.stats().listener("slow");
    try (RawClient client = RawClient.connect(gw.port("slow"))) {
      long connected = System.nanoTime();
      client.send("never answered\n");
      assertThat(client.awaitClosedByServer()).isTrue();
      long closedAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - connected);
      assertThat(closedAfterMs).as("age 1 s + grace 0.3 s").isBetween(1_200L, 5_000L);
    }
    TestGateway.await("closed by force", 5_000, () -> stats.closed(CloseReason.MAX_AGE_FORCED) == 1);
    assertThat(stats.closed(CloseReason.MAX_AGE)).isZero();
    assertThat(stats.outcomes(Outcome.ABANDONED)).isEqualTo(1);
    gw.awaitNothingHeld(5_000);
  }
}
