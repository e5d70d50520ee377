package io.tcpgate.connection;

import io.tcpgate.bus.GatewayHeaders;
import io.tcpgate.bus.PinnedConsumer;
import io.tcpgate.testing.RawClient;
import io.tcpgate.testing.TestGateway;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With ordered dispatch no frame after a reply that closes the connection reaches a worker; with pinned dispatch the
 * frames after it are already pipelined to the worker (as HTTP/1.1 requests behind a {@code Connection: close}).
 */
@ExtendWith(VertxExtension.class)
class CloseReplyStopsDispatchTest {

  private final List<String> received = new CopyOnWriteArrayList<>();
  private TestGateway gw;

  /** Records every frame; answers "bye" with the close header, anything else with itself. */
  final class RecordingWorker extends VerticleBase {
    @Override
    public Future<?> start() {
      return PinnedConsumer.register(vertx, "closer", message -> {
        String body = String.valueOf(message.body());
        received.add(body);
        if (body.equals("bye")) {
          message.reply("closing", GatewayHeaders.closeAfterReply());
        } else {
          message.reply(body);
        }
      });
    }
  }

  @BeforeEach
  void setUp(VertxTestContext ctx) {
    gw = new TestGateway();
    gw.vertx().deployVerticle(new RecordingWorker())
      .compose(id -> gw.start(TestGateway.config(
        TestGateway.listener("ordered", "closer").put("body", "string"))))
      .onComplete(ctx.succeedingThenComplete());
  }

  @AfterEach
  void tearDown(VertxTestContext ctx) {
    gw.close().onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void ordered_framesPipelinedAfterAClosingReply_areNeverProcessed() throws Exception {
    String listener = "ordered";
    try (RawClient client = RawClient.connect(gw.port(listener))) {
      client.send("one\nbye\nafter-1\nafter-2\n");
      assertThat(client.readLine()).isEqualTo("one");
      assertThat(client.readLine()).isEqualTo("closing");
      assertThat(client.awaitClosedByServer()).as("closed after the closing reply").isTrue();
    }
    gw.awaitNothingHeld(10_000);
    assertThat(received).as("frames the worker processed").containsExactly("one", "bye");
  }
}
