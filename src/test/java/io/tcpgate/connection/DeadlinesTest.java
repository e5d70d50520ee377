package io.tcpgate.connection;

import io.tcpgate.metrics.ListenerStats.CloseReason;
import io.tcpgate.testing.RawClient;
import io.tcpgate.testing.TestGateway;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

/** Idle connections and frames that never complete are closed, with the reason counted and nothing left behind. */
@ExtendWith(VertxExtension.class)
class DeadlinesTest {

  private TestGateway gw;

  @BeforeEach
  void setUp(VertxTestContext ctx) {
    gw = new TestGateway();
    gw.vertx().eventBus().consumer("echo", m -> m.reply(m.body()));
    gw.start(TestGateway.config(
        TestGateway.listener("idle", "echo").put("idleTimeoutSeconds", 1),
        TestGateway.listener("slowloris", "echo").put("frameTimeoutMs", 300)))
      .onComplete(ctx.succeedingThenComplete());
  }

  @AfterEach
  void tearDown(VertxTestContext ctx) {
    gw.close().onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void idleConnection_isClosed_afterTheIdleTimeout() throws Exception {
    try (RawClient client = RawClient.connect(gw.port("idle"))) {
      client.send("hi\n");
      assertThat(client.readLine()).isEqualTo("hi");
      long start = System.nanoTime();
      assertThat(client.awaitClosedByServer()).isTrue();
      long waitedMs = (System.nanoTime() - start) / 1_000_000;
      assertThat(waitedMs).isBetween(800L, 5_000L);
    }
    TestGateway.await("idle close counted", 15_000,
      () -> gw.stats().listener("idle").closed(CloseReason.IDLE_TIMEOUT) == 1);
    gw.awaitNothingHeld(15_000);
  }

  @Test
  void activeConnection_isNotIdle() throws Exception {
    try (RawClient client = RawClient.connect(gw.port("idle"))) {
      for (int i = 0; i < 6; i++) {
        client.send("tick\n");
        assertThat(client.readLine()).isEqualTo("tick");
        Thread.sleep(300);
      }
    }
    assertThat(gw.stats().listener("idle").closed(CloseReason.IDLE_TIMEOUT)).isZero();
  }

  @Test
  void frameThatNeverCompletes_getsFrameTimeout_thenClose_afterEarlierReplies() throws Exception {
    try (RawClient client = RawClient.connect(gw.port("slowloris"))) {
      client.send("whole\nhalf a fra");
      assertThat(client.readLine()).isEqualTo("whole");
      assertThat(client.readLine()).isEqualTo("ERR frame-timeout");
      assertThat(client.awaitClosedByServer()).isTrue();
    }
    TestGateway.await("frame-timeout close counted", 15_000,
      () -> gw.stats().listener("slowloris").closed(CloseReason.FRAME_TIMEOUT) == 1);
    gw.awaitNothingHeld(15_000);
  }

  @Test
  void dribbledFrame_thatCompletesInTime_isServed() throws Exception {
    try (RawClient client = RawClient.connect(gw.port("slowloris"))) {
      for (char c : "slow but fine".toCharArray()) {
        client.send(String.valueOf(c));
        Thread.sleep(10);
      }
      client.send("\n");
      assertThat(client.readLine()).isEqualTo("slow but fine");
    }
  }
}
