package io.tcpgate.dispatch;

import io.tcpgate.bus.GatewayHeaders;
import io.tcpgate.bus.PinnedConsumer;
import io.tcpgate.config.ConfigException;
import io.tcpgate.testing.RawClient;
import io.tcpgate.testing.TestGateway;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/** What each dispatch mode promises about the order a connection's frames are processed in, seen by the worker. */
@ExtendWith(VertxExtension.class)
class DispatchOrderTest {

  private static final String ADDRESS = "recorder";
  private static final int INSTANCES = 4;
  private static final int CONNECTIONS = 20;
  private static final int FRAMES = 200;

  private TestGateway gw;

  /** The threading model of the worker's instances. */
  enum Threading {
    EVENT_LOOP(ThreadingModel.EVENT_LOOP), WORKER(ThreadingModel.WORKER);

    final ThreadingModel model;

    Threading(ThreadingModel model) {
      this.model = model;
    }
  }

  /** What the worker instances saw of one connection. */
  static final class Seen {
    final List<Long> received = Collections.synchronizedList(new ArrayList<>());
    final Set<Integer> instances = ConcurrentHashMap.newKeySet();
    final AtomicInteger processing = new AtomicInteger();
    final AtomicInteger maxProcessing = new AtomicInteger();
  }

  /**
   * Records, per connection, the sequence numbers in the order it received them, which instance received them and
   * how many were being processed at once; replies with the frame after a random delay of 0 to 2 ms (a timer on an
   * event loop, a sleep on a worker thread). Registers with {@link PinnedConsumer}.
   */
  static final class RecordingWorker extends VerticleBase {

    private final Map<String, Seen> seen;
    private final int instance;
    private final Random random;

    RecordingWorker(Map<String, Seen> seen, int instance) {
      this.seen = seen;
      this.instance = instance;
      this.random = new Random(1_000 + instance);
    }

    @Override
    public Future<?> start() {
      return PinnedConsumer.register(vertx, ADDRESS, this::handle);
    }

    private void handle(Message<Object> message) {
      Seen connection = seen.computeIfAbsent(GatewayHeaders.connectionId(message), id -> new Seen());
      int now = connection.processing.incrementAndGet();
      connection.maxProcessing.accumulateAndGet(now, Math::max);
      connection.received.add(Long.parseLong(message.headers().get(GatewayHeaders.SEQUENCE)));
      connection.instances.add(instance);
      int delayMs = random.nextInt(3);
      if (delayMs == 0) {
        finish(connection, message);
      } else if (Context.isOnWorkerThread()) {
        try {
          Thread.sleep(delayMs);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        finish(connection, message);
      } else {
        vertx.setTimer(delayMs, t -> finish(connection, message));
      }
    }

    private static void finish(Seen connection, Message<Object> message) {
      // before the reply: in ordered mode the reply may send the next frame at once, on this very thread
      connection.processing.decrementAndGet();
      message.reply(message.body());
    }
  }

  @BeforeEach
  void setUp() {
    gw = new TestGateway();
  }

  @AfterEach
  void tearDown(VertxTestContext ctx) {
    gw.close().onComplete(ctx.succeedingThenComplete());
  }

  @ParameterizedTest
  @EnumSource(Threading.class)
  void ordered_processesEachConnectionsFramesOneAtATime_inArrivalOrder(Threading threading) throws Exception {
    Map<String, Seen> seen = runConnections(threading, "ordered");

    for (Map.Entry<String, Seen> connection : seen.entrySet()) {
      assertThat(connection.getValue().received).as("sequence numbers received for %s", connection.getKey())
        .containsExactlyElementsOf(oneTo(FRAMES));
      assertThat(connection.getValue().maxProcessing.get())
        .as("frames of %s in processing at once", connection.getKey()).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @EnumSource(Threading.class)
  void pinned_processesEachConnectionsFramesOnOneInstance_inArrivalOrder(Threading threading) throws Exception {
    Map<String, Seen> seen = runConnections(threading, "pinned");

    for (Map.Entry<String, Seen> connection : seen.entrySet()) {
      assertThat(connection.getValue().received).as("sequence numbers received for %s", connection.getKey())
        .containsExactlyElementsOf(oneTo(FRAMES));
      assertThat(connection.getValue().instances).as("instances that received frames of %s", connection.getKey())
        .hasSize(1);
    }
    if (threading == Threading.EVENT_LOOP) {
      // an event-loop instance takes the next frame while a timer holds the previous reply: pipelined, not ordered
      assertThat(maxProcessing(seen)).as("most frames of one connection in processing at once").isGreaterThan(1);
    }
  }

  @ParameterizedTest
  @EnumSource(Threading.class)
  void parallel_overlapsAConnectionsFrames_yetRepliesComeInFrameOrder(Threading threading) throws Exception {
    // runConnections checks that every connection's replies arrive in frame order
    Map<String, Seen> seen = runConnections(threading, "parallel");

    assertThat(maxProcessing(seen)).as("most frames of one connection in processing at once").isGreaterThan(1);
    for (Map.Entry<String, Seen> connection : seen.entrySet()) {
      assertThat(connection.getValue().received).as("sequence numbers received for %s", connection.getKey())
        .containsExactlyInAnyOrderElementsOf(oneTo(FRAMES));
    }
  }

  @Test
  void pinnedListener_whoseAddressHasOnlyAPlainConsumer_failsStartupNamingTheKeyAndPinnedConsumer(
    VertxTestContext ctx) {
    gw.vertx().eventBus().consumer("plain", m -> m.reply(m.body()));

    gw.start(TestGateway.config(TestGateway.listener("p", "plain").put("dispatch", "pinned")))
      .onComplete(ctx.failing(err -> ctx.verify(() -> {
        assertThat(err).isInstanceOf(ConfigException.class)
          .hasMessageContaining("listeners[0].dispatch")
          .hasMessageContaining("PinnedConsumer")
          .hasMessageContaining("plain");
        assertThat(gw.stats().openConnections()).isZero();
        ctx.completeNow();
      })));
  }

  @Test
  void pinnedInDefaults_inheritedByAListenerWithOnlyAPlainConsumer_failsStartupNamingThatListener(
    VertxTestContext ctx) {
    gw.vertx().eventBus().consumer("plain", m -> m.reply(m.body()));
    JsonObject config = TestGateway.config(
      TestGateway.listener("own", "plain").put("dispatch", "ordered"),
      TestGateway.listener("inherits", "plain"));
    config.put("defaults", new JsonObject().put("dispatch", "pinned"));

    gw.start(config).onComplete(ctx.failing(err -> ctx.verify(() -> {
      assertThat(err).isInstanceOf(ConfigException.class)
        .hasMessageContaining("listeners[1].dispatch")
        .hasMessageContaining("PinnedConsumer");
      ctx.completeNow();
    })));
  }

  // ---- helpers

  /**
   * Deploys the recording worker ({@value #INSTANCES} instances), starts a listener with {@code dispatch}, pipelines
   * {@value #FRAMES} frames on each of {@value #CONNECTIONS} connections, checks that every connection gets its
   * replies in frame order, and returns what the worker saw, one entry per connection.
   */
  private Map<String, Seen> runConnections(Threading threading, String dispatch) throws Exception {
    Map<String, Seen> seen = new ConcurrentHashMap<>();
    AtomicInteger instances = new AtomicInteger();
    gw.vertx().deployVerticle(() -> new RecordingWorker(seen, instances.incrementAndGet()),
        new DeploymentOptions().setInstances(INSTANCES).setThreadingModel(threading.model))
      .compose(id -> gw.start(TestGateway.config(TestGateway.listener("l", ADDRESS).put("dispatch", dispatch)
        .put("requestTimeoutMs", 30_000))))
      .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);

    List<RawClient> clients = new ArrayList<>();
    try {
      for (int c = 0; c < CONNECTIONS; c++) {
        RawClient client = RawClient.connect(gw.port("l"));
        clients.add(client);
        StringBuilder burst = new StringBuilder();
        for (int i = 1; i <= FRAMES; i++) {
          burst.append("c").append(c).append('-').append(i).append('\n');
        }
        client.send(burst.toString());
      }
      for (int c = 0; c < CONNECTIONS; c++) {
        for (int i = 1; i <= FRAMES; i++) {
          assertThat(clients.get(c).readLine()).as("reply %d on connection %d", i, c).isEqualTo("c" + c + "-" + i);
        }
      }
    } finally {
      for (RawClient client : clients) {
        client.close();
      }
    }
    assertThat(instances.get()).isEqualTo(INSTANCES);
    assertThat(seen).as("connections seen by the worker").hasSize(CONNECTIONS);
    return seen;
  }

  private static int maxProcessing(Map<String, Seen> seen) {
    return seen.values().stream().mapToInt(s -> s.maxProcessing.get()).max().orElse(0);
  }

  private static List<Long> oneTo(int n) {
    return LongStream.rangeClosed(1, n).boxed().collect(Collectors.toList());
  }
}
