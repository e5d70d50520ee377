package io.tcpgate;

import io.tcpgate.listener.KernelSockets;
import io.tcpgate.testing.RawClient;
import io.tcpgate.testing.TestGateway;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.ConnectException;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Graceful stop: no new connection is accepted (not even into a stopping server instance), frames already received
 * get their replies, late frames get ERR shutting-down.
 */
@ExtendWith(VertxExtension.class)
class GatewayShutdownTest {

  private TestGateway gw;

  @BeforeEach
  void setUp(VertxTestContext ctx) {
    gw = new TestGateway();
    gw.vertx().eventBus().consumer("slow", m -> gw.vertx().setTimer(800, t -> m.reply(m.body())));
    gw.start(TestGateway.config(TestGateway.listener("slow", "slow"), TestGateway.listener("idle", "slow")))
      .onComplete(ctx.succeedingThenComplete());
  }

  @AfterEach
  void tearDown(VertxTestContext ctx) {
    gw.vertx().close().onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void stop_drainsInFlightReplies_refusesLateFrames_thenCloses() throws Exception {
    int port = gw.port("slow");
    try (RawClient client = RawClient.connect(port); RawClient idle = RawClient.connect(gw.port("idle"))) {
      client.send("first\nsecond\n");
      TestGateway.await("both requests in flight", 15_000, () -> gw.stats().listener("slow").inFlight() == 2);
      CompletableFuture<Void> stopped = gw.app().shutdown().toCompletionStage().toCompletableFuture();
      TestGateway.await("the kernel to list no listening socket on the port", 15_000,
        () -> KernelSockets.listening(port).isEmpty());
      assertThatThrownBy(() -> RawClient.connect(port)).isInstanceOf(ConnectException.class);
      TestGateway.await("the busy connection to start draining", 15_000,
        () -> gw.stats().listener("slow").drained() == 1);
      client.send("late\n");
      assertThat(client.readLine()).isEqualTo("first");
      assertThat(client.readLine()).isEqualTo("second");
      assertThat(client.readLine()).isEqualTo("ERR shutting-down");
      assertThat(client.awaitClosedByServer()).isTrue();
      assertThat(idle.awaitClosedByServer()).as("an idle connection is closed at once").isTrue();
      stopped.get();
    }
    assertThatThrownBy(() -> RawClient.connect(port)).isInstanceOf(ConnectException.class);
    gw.awaitNothingHeld(15_000);
    assertThat(gw.stats().listener("slow").accepted()).as("the refused probe was never accepted").isEqualTo(1);
    assertThat(gw.stats().listener("slow").closed(io.tcpgate.metrics.ListenerStats.CloseReason.SHUTDOWN)).isEqualTo(1);
  }
}
