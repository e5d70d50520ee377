package io.tcpgate.connection;

import io.tcpgate.metrics.ListenerStats;
import io.tcpgate.metrics.ListenerStats.CloseReason;
import io.tcpgate.testing.RawClient;
import io.tcpgate.testing.TestGateway;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Thousands of connections abandoned in every state leave nothing behind: the gateway's own counts of open
 * connections, requests in flight and pending timers return to zero.
 */
@ExtendWith(VertxExtension.class)
class ConnectionLeakTest {

  private static final int CONNECTIONS = 2_000;

  private TestGateway gw;

  @BeforeEach
  void setUp(VertxTestContext ctx) {
    gw = new TestGateway();
    gw.vertx().eventBus().consumer("slow", m -> gw.vertx().setTimer(300, t -> m.reply(m.body())));
    gw.start(TestGateway.config(TestGateway.listener("leak", "slow")
        .put("requestTimeoutMs", 2_000)
        .put("frameTimeoutMs", 60_000)
        .put("framing", new JsonObject().put("kind", "lines").put("maxFrameBytes", 64))))
      .onComplete(ctx.succeedingThenComplete());
  }

  @AfterEach
  void tearDown(VertxTestContext ctx) {
    gw.close().onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void abandonedConnectionsInEveryState_leaveNoConnectionRequestOrTimerBehind() throws Exception {
    int port = gw.port("leak");
    List<RawClient> clients = new ArrayList<>();
    byte[] oversize = new byte[100];
    Arrays.fill(oversize, (byte) 'z');
    try {
      for (int i = 0; i < CONNECTIONS; i++) {
        RawClient client = RawClient.connect(port);
        clients.add(client);
        switch (i % 4) {
          case 0:
            break;
          case 1:
            client.send("half a frame");
            break;
          case 2:
            client.send("in flight 1\nin flight 2\npartial");
            break;
          case 3:
            client.send(oversize);
            break;
          default:
            throw new IllegalStateException();
        }
      }
      ListenerStats stats = gw.stats().listener("leak");
      TestGateway.await("every connection accepted and every request sent", 20_000,
        () -> stats.accepted() == CONNECTIONS && stats.framesIn() == CONNECTIONS / 4 * 2);
      assertThat(gw.stats().pendingTimers()).as("idle timers plus frame timers are live").isPositive();
      for (int i = 0; i < clients.size(); i++) {
        if (i % 2 == 0) {
          clients.get(i).reset();
        } else {
          clients.get(i).close();
        }
      }
    } finally {
      for (RawClient client : clients) {
        client.close();
      }
    }
    gw.awaitNothingHeld(20_000);
    ListenerStats stats = gw.stats().listener("leak");
    long closed = Arrays.stream(CloseReason.values()).mapToLong(stats::closed).sum();
    assertThat(closed).isEqualTo(CONNECTIONS);
    assertThat(stats.closed(CloseReason.FRAME_TOO_LARGE)).isEqualTo(CONNECTIONS / 4);
    assertThat(stats.closed(CloseReason.RESET) + stats.closed(CloseReason.CLIENT))
      .isEqualTo(CONNECTIONS - CONNECTIONS / 4);
  }
}
