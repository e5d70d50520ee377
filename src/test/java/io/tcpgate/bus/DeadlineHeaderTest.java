package io.tcpgate.bus;

import io.tcpgate.testing.RawClient;
import io.tcpgate.testing.TestGateway;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** tcpgate-deadline saturates at Long.MAX_VALUE for huge request timeouts instead of overflowing into the past. */
@ExtendWith(VertxExtension.class)
class DeadlineHeaderTest {

  /** 9e18 as an operator would write it in a JSON file: a number with an exponent, parsed as a double. */
  private static final String NINE_E18_LISTENER = "{\"name\": \"nine-e18\", \"host\": \"127.0.0.1\", \"port\": 0,"
    + " \"family\": \"ipv4\", \"address\": \"deadline\", \"requestTimeoutMs\": 9e18}";
  private static final long NINE_E18 = 9_000_000_000_000_000_000L;

  private TestGateway gw;
  private final LinkedBlockingQueue<Seen> seen = new LinkedBlockingQueue<>();

  /** What the worker saw of one request, at the moment it received it. */
  private record Seen(String frame, String header, long deadline, boolean expired, long receivedAtMs) {
  }

  @BeforeEach
  void setUp(VertxTestContext ctx) {
    gw = new TestGateway();
    gw.vertx().eventBus().<Object>consumer("deadline", this::handle);
    gw.start(TestGateway.config(
        TestGateway.listener("max", "deadline").put("requestTimeoutMs", Long.MAX_VALUE),
        new JsonObject(NINE_E18_LISTENER),
        TestGateway.listener("normal", "deadline").put("requestTimeoutMs", 5_000)))
      .onComplete(ctx.succeedingThenComplete());
  }

  @AfterEach
  void tearDown(VertxTestContext ctx) {
    gw.close().onComplete(ctx.succeedingThenComplete());
  }

  /** Records the deadline; answers "later" frames after 200 ms, when a deadline in the past would have cut them. */
  private void handle(Message<Object> message) {
    String frame = message.body().toString();
    seen.add(new Seen(frame, message.headers().get(GatewayHeaders.DEADLINE), GatewayHeaders.deadline(message),
      GatewayHeaders.isExpired(message), System.currentTimeMillis()));
    if (frame.equals("later")) {
      gw.vertx().setTimer(200, t -> message.reply(message.body()));
    } else {
      message.reply(message.body());
    }
  }

  @Test
  void requestTimeoutOfLongMaxValue_givesADeadlineSaturatedAtLongMaxValue_andNormalReplies() throws Exception {
    Seen now = roundTrip("max", "now");
    Seen later = roundTrip("max", "later");

    for (Seen request : new Seen[] {now, later}) {
      assertThat(request.header()).as("tcpgate-deadline of '%s'", request.frame())
        .isEqualTo(Long.toString(Long.MAX_VALUE));
      assertThat(request.deadline()).isEqualTo(Long.MAX_VALUE).isGreaterThan(request.receivedAtMs());
      assertThat(request.expired()).as("isExpired('%s')", request.frame()).isFalse();
    }
  }

  @Test
  void requestTimeoutOf9e18_givesNowPlus9e18_andNormalReplies() throws Exception {
    long before = System.currentTimeMillis();
    Seen now = roundTrip("nine-e18", "now");
    Seen later = roundTrip("nine-e18", "later");
    long after = System.currentTimeMillis();

    for (Seen request : new Seen[] {now, later}) {
      assertThat(request.deadline()).as("tcpgate-deadline of '%s'", request.frame())
        .isPositive()
        .isBetween(before + NINE_E18, after + NINE_E18);
      assertThat(request.expired()).as("isExpired('%s')", request.frame()).isFalse();
    }
  }

  @Test
  void anOrdinaryRequestTimeout_givesNowPlusTheTimeout() throws Exception {
    long before = System.currentTimeMillis();
    Seen request = roundTrip("normal", "now");
    long after = System.currentTimeMillis();

    assertThat(request.deadline()).isBetween(before + 5_000, after + 5_000);
    assertThat(request.expired()).isFalse();
  }

  /** Sends {@code frame}, asserts that it is answered with itself (not an error), and returns what the worker saw. */
  private Seen roundTrip(String listener, String frame) throws Exception {
    try (RawClient client = RawClient.connect(gw.port(listener))) {
      client.send(frame + "\n");
      assertThat(client.readLine()).as("reply to '%s' on '%s'", frame, listener).isEqualTo(frame);
    }
    Seen request = seen.poll(5, TimeUnit.SECONDS);
    assertThat(request).as("the worker's record of '%s'", frame).isNotNull();
    assertThat(request.frame()).isEqualTo(frame);
    return request;
  }
}
