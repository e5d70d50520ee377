package io.tcpgate.bridge;

import io.tcpgate.metrics.BridgeStats;
import io.tcpgate.testing.BridgeClient;
import io.tcpgate.testing.RawClient;
import io.tcpgate.testing.TestGateway;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** What a bridge client cannot make the gateway do: buffer without bound, or choke on a body the bus cannot carry. */
@ExtendWith(VertxExtension.class)
class BridgeClientLimitsTest {

  private TestGateway gw;

  @BeforeEach
  void setUp(VertxTestContext ctx) {
    gw = new TestGateway();
    gw.start(TestGateway.config(TestGateway.listener("lines", "limits.unused"))
        .put("bridge", new JsonObject().put("enabled", true).put("port", 0)))
      .onComplete(ctx.succeedingThenComplete());
  }

  @AfterEach
  void tearDown(VertxTestContext ctx) {
    gw.close().onComplete(ctx.succeedingThenComplete());
  }

  private BridgeStats stats() {
    return gw.gateway().bridge().stats();
  }

  @Test
  void clientThatSendsButNeverReads_isNoLongerReadOnceItsRepliesBackUp() throws Exception {
    int pings = 2_000_000;
    byte[] ping = BridgeClient.frame(new JsonObject().put("type", "ping"));
    ByteArrayOutputStream batch = new ByteArrayOutputStream();
    for (int i = 0; i < 1_000; i++) {
      batch.write(ping);
    }
    byte[] thousand = batch.toByteArray();
    AtomicLong written = new AtomicLong();
    try (Socket socket = new Socket()) {
      socket.setReceiveBufferSize(4096);
      socket.connect(new InetSocketAddress("127.0.0.1", gw.gateway().bridge().port()), 5_000);
      Thread writer = new Thread(() -> {
        try {
          OutputStream out = socket.getOutputStream();
          for (int i = 0; i < pings / 1_000; i++) {
            out.write(thousand);
            written.addAndGet(1_000);
          }
        } catch (IOException e) {
          // the socket was closed under the blocked write: the end of the test
        }
      });
      writer.setDaemon(true);
      writer.start();
      long last = -1;
      long deadline = System.nanoTime() + 20_000_000_000L;
      while (System.nanoTime() < deadline) {
        Thread.sleep(500);
        long now = stats().framesIn();
        if (now == last) {
          break;
        }
        last = now;
      }
      long framesIn = stats().framesIn();
      assertThat(writer.isAlive()).as("the writer is blocked: the gateway stopped reading (%d of %d pings read)",
        framesIn, pings).isTrue();
      assertThat(framesIn).as("pings the gateway read while the client read none of its pongs")
        .isLessThan(pings / 2);
      assertThat(stats().framesIn()).as("and it reads no more").isEqualTo(framesIn);
    }
    TestGateway.await("bridge client gone", 10_000, () -> stats().openConnections() == 0);
  }

  @Test
  void bodyBeyondALong_travelsAsItsText_andTheFramesBehindItAreAnswered() throws Exception {
    try (RawClient tcp = RawClient.connect(gw.port("lines"));
         BridgeClient bridge = BridgeClient.connect(gw.gateway().bridge().port())) {
      TestGateway.await("tcp client connected", 5_000, () -> gw.stats().listener("lines").openConnections() == 1);
      String big = "123456789012345678901234567890";
      byte[] publish = ("{\"type\":\"publish\",\"address\":\"tcpgate.broadcast.lines\",\"body\":" + big + "}")
        .getBytes(StandardCharsets.UTF_8);
      ByteArrayOutputStream both = new ByteArrayOutputStream();
      both.write(BridgeClient.frame(publish));
      both.write(BridgeClient.frame(new JsonObject().put("type", "ping")));
      bridge.sendRaw(both.toByteArray());
      assertThat(bridge.read().getString("type")).as("the frame in the same write is answered").isEqualTo("pong");
      assertThat(tcp.readLine()).isEqualTo(big);
    }
  }
}
