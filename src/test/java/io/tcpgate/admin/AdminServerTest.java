package io.tcpgate.admin;

import io.tcpgate.testing.RawClient;
import io.tcpgate.testing.TestGateway;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.ConnectException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The admin endpoints: exact metrics after known traffic, liveness, readiness through the lifecycle, info. */
@ExtendWith(VertxExtension.class)
class AdminServerTest {

  /** A worker whose deployment completes only when the test says so, to observe readiness during startup. */
  public static final class GatedWorker extends VerticleBase {
    static volatile Promise<Void> gate;

    @Override
    public Future<?> start() {
      return vertx.eventBus().consumer("echo", m -> m.reply(m.body())).completion()
        .compose(v -> gate.future());
    }
  }

  private TestGateway gw;
  private HttpClient http;
  private CompletableFuture<?> started;

  @BeforeEach
  void setUp() throws Exception {
    gw = new TestGateway();
    http = gw.vertx().createHttpClient();
    GatedWorker.gate = Promise.promise();
    JsonObject config = TestGateway.config(
      TestGateway.listener("lines", "echo")
        .put("framing", new JsonObject().put("kind", "lines").put("maxFrameBytes", 8)),
      TestGateway.listener("nobody", "nobody.home"));
    config.put("admin", new JsonObject().put("host", "127.0.0.1").put("port", 0));
    config.put("shutdown", new JsonObject().put("drainTimeoutMs", 2000).put("graceDelayMs", 700));
    config.put("workers", new JsonArray().add(new JsonObject().put("verticle", GatedWorker.class.getName())));
    started = gw.start(config).toCompletionStage().toCompletableFuture();
    TestGateway.await("admin server up", 10_000, () -> gw.app().adminPort() > 0);
  }

  @AfterEach
  void tearDown(VertxTestContext ctx) throws Exception {
    GatedWorker.gate.tryComplete();
    started.get(10, TimeUnit.SECONDS);
    gw.close().onComplete(ctx.succeedingThenComplete());
  }

  private Response get(String path) throws Exception {
    return http.request(HttpMethod.GET, gw.app().adminPort(), "127.0.0.1", path)
      .compose(req -> req.send())
      .compose(resp -> resp.body().map(body -> new Response(resp, body.toString())))
      .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private record Response(HttpClientResponse response, String body) {
    int status() {
      return response.statusCode();
    }
  }

  private static double metric(String scrape, String name, String labels) {
    Pattern pattern = Pattern.compile("^" + Pattern.quote(name + "{" + labels + "}") + " (\\S+)$", Pattern.MULTILINE);
    Matcher m = pattern.matcher(scrape);
    assertThat(m.find()).as(name + "{" + labels + "} in the scrape").isTrue();
    return Double.parseDouble(m.group(1));
  }

  @Test
  void readiness_is503WhileStarting_200WhenReady_503AsSoonAsDrainingBegins() throws Exception {
    assertThat(get("/health/live").status()).isEqualTo(200);
    assertThat(get("/health/ready").status()).isEqualTo(503);
    assertThat(get("/health/ready").body()).contains("STARTING");
    GatedWorker.gate.complete();
    started.get(10, TimeUnit.SECONDS);
    assertThat(get("/health/ready").status()).isEqualTo(200);

    int port = gw.port("lines");
    CompletableFuture<Void> shutdown = gw.app().shutdown().toCompletionStage().toCompletableFuture();
    assertThat(get("/health/ready").status()).isEqualTo(503);
    assertThat(get("/health/ready").body()).contains("DRAINING");
    try (RawClient during = RawClient.connect(port)) {
      during.send("still\n");
      assertThat(during.readLine()).as("listeners keep serving during the grace delay").isEqualTo("still");
    }
    shutdown.get(10, TimeUnit.SECONDS);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> RawClient.connect(port))
      .isInstanceOf(ConnectException.class);
  }

  @Test
  void metrics_countKnownTrafficExactly() throws Exception {
    GatedWorker.gate.complete();
    started.get(10, TimeUnit.SECONDS);
    try (RawClient a = RawClient.connect(gw.port("lines"))) {
      a.send("a\nbb\n");
      assertThat(a.readLine()).isEqualTo("a");
      assertThat(a.readLine()).isEqualTo("bb");
    }
    try (RawClient b = RawClient.connect(gw.port("lines"))) {
      b.send("123456789\n");
      assertThat(b.readLine()).isEqualTo("ERR frame-too-large");
      assertThat(b.awaitClosedByServer()).isTrue();
    }
    try (RawClient c = RawClient.connect(gw.port("nobody"))) {
      c.send("q\n");
      assertThat(c.readLine()).isEqualTo("ERR no-handler");
    }
    gw.awaitNothingHeld(15_000);

    Response response = get("/metrics");
    assertThat(response.status()).isEqualTo(200);
    assertThat(response.response().getHeader("Content-Type")).startsWith("text/plain");
    String s = response.body();
    String lines = "listener=\"lines\"";
    assertThat(metric(s, "tcpgate_connections_accepted_total", lines)).isEqualTo(2);
    assertThat(metric(s, "tcpgate_connections_open", lines)).isEqualTo(0);
    assertThat(metric(s, "tcpgate_connections_closed_total", lines + ",reason=\"client\"")).isEqualTo(1);
    assertThat(metric(s, "tcpgate_connections_closed_total", lines + ",reason=\"frame-too-large\"")).isEqualTo(1);
    assertThat(metric(s, "tcpgate_connections_closed_total", lines + ",reason=\"idle-timeout\"")).isEqualTo(0);
    assertThat(metric(s, "tcpgate_frames_in_total", lines)).isEqualTo(2);
    assertThat(metric(s, "tcpgate_frames_out_total", lines)).isEqualTo(3);
    assertThat(metric(s, "tcpgate_received_bytes_total", lines)).isEqualTo(5 + 10);
    assertThat(metric(s, "tcpgate_sent_bytes_total", lines)).isEqualTo(2 + 3 + 20);
    assertThat(metric(s, "tcpgate_replies_total", lines + ",outcome=\"ok\"")).isEqualTo(2);
    assertThat(metric(s, "tcpgate_replies_total", lines + ",outcome=\"timeout\"")).isEqualTo(0);
    assertThat(metric(s, "tcpgate_requests_in_flight", lines)).isEqualTo(0);
    assertThat(metric(s, "tcpgate_backpressure_pauses_total", lines)).isEqualTo(0);
    assertThat(metric(s, "tcpgate_accept_errors_total", lines)).isEqualTo(0);
    assertThat(metric(s, "tcpgate_request_latency_seconds_count", lines)).isEqualTo(3);
    assertThat(s).containsPattern("tcpgate_request_latency_seconds_bucket\\{listener=\"lines\",le=\"[0-9.]+\"\\} 3");
    String nobody = "listener=\"nobody\"";
    assertThat(metric(s, "tcpgate_replies_total", nobody + ",outcome=\"no-handler\"")).isEqualTo(1);
    assertThat(metric(s, "tcpgate_sent_bytes_total", nobody)).isEqualTo(15);
    assertThat(metric(s, "tcpgate_connections_closed_total", nobody + ",reason=\"client\"")).isEqualTo(1);
    assertThat(s).as("Vert.x's own net-server meters").contains("vertx_net_server_");
    assertThat(s).as("Vert.x's per-address event-bus meters, off by default (admin.eventBusMetrics)")
      .doesNotContain("vertx_eventbus_");
    assertThat(s).as("no meter is labelled by client address").doesNotContain("remote=");
  }

  @Test
  void info_describesListenersWorkersAndUptime() throws Exception {
    GatedWorker.gate.complete();
    started.get(10, TimeUnit.SECONDS);
    try (RawClient open = RawClient.connect(gw.port("lines"))) {
      open.send("hi\n");
      open.readLine();
      JsonObject info = new JsonObject(get("/info").body());
      assertThat(info.getString("name")).isEqualTo("tcpgate");
      assertThat(info.getString("version")).isNotBlank();
      assertThat(info.getString("state")).isEqualTo("READY");
      assertThat(info.getLong("uptimeSeconds")).isNotNegative();
      JsonObject lines = info.getJsonArray("listeners").getJsonObject(0);
      assertThat(lines.getString("name")).isEqualTo("lines");
      assertThat(lines.getString("bound")).isEqualTo("127.0.0.1:" + gw.port("lines"));
      assertThat(lines.getLong("openConnections")).isEqualTo(1);
      assertThat(info.getJsonArray("workers").getJsonObject(0).getString("verticle"))
        .isEqualTo(GatedWorker.class.getName());
    }
  }

  @Test
  void unknownPaths_are404_andOtherMethods405() throws Exception {
    assertThat(get("/nope").status()).isEqualTo(404);
    int status = http.request(HttpMethod.POST, gw.app().adminPort(), "127.0.0.1", "/metrics")
      .compose(req -> req.send()).map(HttpClientResponse::statusCode)
      .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(status).isEqualTo(405);
  }
}
