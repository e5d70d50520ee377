package io.tcpgate.connection;

import io.tcpgate.bus.GatewayHeaders;
import io.tcpgate.testing.RawClient;
import io.tcpgate.testing.TestGateway;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** Pipelined frames get their replies in order; in-flight frames and unread replies are capped. */
@ExtendWith(VertxExtension.class)
class OrderingAndBackpressureTest {

  private static final int MAX_IN_FLIGHT = 8;

  private TestGateway gw;
  private final ConcurrentLinkedQueue<Message<Object>> held = new ConcurrentLinkedQueue<>();
  private final AtomicInteger heldCount = new AtomicInteger();

  /** Replies after a delay that shrinks with the sequence number, so later frames finish first. */
  static final class ReverseDelayWorker extends VerticleBase {
    @Override
    public Future<?> start() {
      return vertx.eventBus().consumer("reverse", m -> {
        long seq = Long.parseLong(m.headers().get(GatewayHeaders.SEQUENCE));
        try {
          Thread.sleep(Math.max(0, 20 - (seq % 20)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        m.reply(m.body());
      }).completion();
    }
  }

  @BeforeEach
  void setUp(VertxTestContext ctx) {
    gw = new TestGateway();
    gw.vertx().eventBus().consumer("hold", m -> {
      held.add(m);
      heldCount.incrementAndGet();
    });
    gw.vertx().eventBus().consumer("echo", m -> m.reply(m.body()));
    gw.vertx().deployVerticle(ReverseDelayWorker::new, new DeploymentOptions().setInstances(4)
        .setThreadingModel(ThreadingModel.WORKER))
      .compose(id -> gw.start(TestGateway.config(
        TestGateway.listener("reverse", "reverse").put("maxInFlight", 256).put("dispatch", "parallel"),
        TestGateway.listener("hold", "hold").put("maxInFlight", MAX_IN_FLIGHT).put("dispatch", "parallel"),
        TestGateway.listener("echo", "echo").put("maxInFlight", MAX_IN_FLIGHT)
          .put("framing", new io.vertx.core.json.JsonObject().put("kind", "lines").put("maxFrameBytes", 70_000)))))
      .onComplete(ctx.succeedingThenComplete());
  }

  @AfterEach
  void tearDown(VertxTestContext ctx) {
    gw.close().onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void pipelinedFrames_getRepliesInFrameOrder_whenWorkersFinishOutOfOrder() throws Exception {
    int frames = 400;
    StringBuilder burst = new StringBuilder();
    for (int i = 0; i < frames; i++) {
      burst.append("frame-").append(i).append('\n');
    }
    try (RawClient client = RawClient.connect(gw.port("reverse"))) {
      client.send(burst.toString());
      for (int i = 0; i < frames; i++) {
        assertThat(client.readLine()).isEqualTo("frame-" + i);
      }
    }
  }

  @Test
  void inFlightFrames_areCapped_andReadingResumesAsRepliesDrain() throws Exception {
    int frames = 100;
    StringBuilder burst = new StringBuilder();
    for (int i = 0; i < frames; i++) {
      burst.append(i).append('\n');
    }
    try (RawClient client = RawClient.connect(gw.port("hold"))) {
      client.send(burst.toString());
      TestGateway.await("the cap to fill", 15_000, () -> heldCount.get() == MAX_IN_FLIGHT);
      assertThat(gw.stats().listener("hold").inFlight()).isEqualTo(MAX_IN_FLIGHT);
      assertThat(gw.stats().listener("hold").pauses()).isGreaterThanOrEqualTo(1);
      List<String> replies = new ArrayList<>();
      while (replies.size() < frames) {
        TestGateway.await("a held request", 15_000, () -> !held.isEmpty());
        assertThat(gw.stats().listener("hold").inFlight()).isLessThanOrEqualTo(MAX_IN_FLIGHT);
        Message<Object> m = held.poll();
        m.reply(m.body());
        replies.add(client.readLine());
      }
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < frames; i++) {
        expected.add(Integer.toString(i));
      }
      assertThat(replies).isEqualTo(expected);
      assertThat(heldCount.get()).isEqualTo(frames);
    }
  }

  private static long maxOf(String sysctl) throws java.io.IOException {
    String text = String.join(" ", java.nio.file.Files.readAllLines(java.nio.file.Path.of(sysctl)));
    String[] values = text.trim().split("\\s+");
    return Long.parseLong(values[values.length - 1]);
  }

  @Test
  void aClientThatDoesNotRead_stopsBeingRead_soMemoryStaysBounded() throws Exception {
    byte[] line = new byte[64 * 1024];
    java.util.Arrays.fill(line, (byte) 'x');
    line[line.length - 1] = '\n';
    try (RawClient client = RawClient.connect(gw.port("echo"))) {
      client.socket().setSendBufferSize(64 * 1024);
      client.socket().setReceiveBufferSize(64 * 1024);
      OutputStream out = client.socket().getOutputStream();
      Thread writer = new Thread(() -> {
        try {
          for (int i = 0; i < 2_000; i++) {
            out.write(line);
          }
        } catch (Exception expectedWhenClosed) {
          // the test closes the socket while this writer is blocked
        }
      });
      writer.setDaemon(true);
      writer.start();
      TestGateway.await("the gateway to stop reading", 10_000, () -> gw.stats().listener("echo").pauses() > 0);
      long[] last = {-1, System.nanoTime()};
      TestGateway.await("reads to stop (bytes in: " + gw.stats().listener("echo").bytesIn() + ")", 20_000, () -> {
        long now = gw.stats().listener("echo").bytesIn();
        if (now != last[0]) {
          last[0] = now;
          last[1] = System.nanoTime();
          return false;
        }
        return System.nanoTime() - last[1] > java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(500);
      });
      long accepted = gw.stats().listener("echo").bytesIn();
      long kernelBuffers = maxOf("/proc/sys/net/ipv4/tcp_wmem") + maxOf("/proc/sys/net/ipv4/tcp_rmem");
      long gatewayBound = (MAX_IN_FLIGHT + 4L) * line.length;
      assertThat(accepted).as("bytes taken from a client that reads nothing: at most what the kernel's socket"
        + " buffers hold plus the gateway's own cap").isLessThanOrEqualTo(kernelBuffers + gatewayBound);
      assertThat(gw.stats().listener("echo").inFlight()).isLessThanOrEqualTo(MAX_IN_FLIGHT);
      long heldBeforeWrite = accepted - gw.stats().listener("echo").bytesOut();
      assertThat(heldBeforeWrite).as("bytes read but not yet handed to the socket: parser buffer plus in-flight frames")
        .isLessThanOrEqualTo((MAX_IN_FLIGHT + 2L) * line.length);
      assertThat(writer.isAlive()).as("the client's writes block: the gateway applies backpressure").isTrue();
      System.out.println("backpressure: accepted " + accepted + " bytes, out " + gw.stats().listener("echo").bytesOut()
        + ", pauses " + gw.stats().listener("echo").pauses());
      Buffer reply = Buffer.buffer(client.readExactly(line.length));
      assertThat(reply.getByte(0)).isEqualTo((byte) 'x');
    }
    gw.awaitNothingHeld(10_000);
  }
}
