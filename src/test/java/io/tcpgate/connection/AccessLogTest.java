package io.tcpgate.connection;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.tcpgate.testing.RawClient;
import io.tcpgate.testing.TestGateway;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** One access-log line per closed connection, with its counts and close reason, whichever way it ends. */
@ExtendWith(VertxExtension.class)
class AccessLogTest {

  private TestGateway gw;
  private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
  private final Logger access = (Logger) LoggerFactory.getLogger("tcpgate.access");

  @BeforeEach
  void setUp() throws Exception {
    lines.start();
    access.addAppender(lines);
    gw = new TestGateway();
    gw.vertx().eventBus().<Object>consumer("echo", m -> m.reply(m.body()));
    gw.start(TestGateway.config(TestGateway.listener("logged", "echo").put("idleTimeoutSeconds", 1)
        .put("framing", new JsonObject().put("kind", "lines").put("maxFrameBytes", 16))))
      .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void tearDown(VertxTestContext ctx) {
    access.detachAppender(lines);
    gw.close().onComplete(ctx.succeedingThenComplete());
  }

  private static Map<String, String> fields(ILoggingEvent event) {
    Map<String, String> fields = new LinkedHashMap<>();
    for (String pair : event.getFormattedMessage().split(" ")) {
      int eq = pair.indexOf('=');
      fields.put(pair.substring(0, eq), pair.substring(eq + 1));
    }
    return fields;
  }

  private Map<String, String> lineFor(int localPort) throws InterruptedException {
    String remote = "127.0.0.1:" + localPort;
    TestGateway.await("the access line of " + remote, 5_000,
      () -> lines.list.stream().anyMatch(e -> remote.equals(fields(e).get("remote"))));
    List<Map<String, String>> found = lines.list.stream().map(AccessLogTest::fields)
      .filter(f -> remote.equals(f.get("remote"))).toList();
    assertThat(found).as("one line per connection").hasSize(1);
    return found.get(0);
  }

  @Test
  void aClientThatCloses_isLoggedWithItsCountsAndReason() throws Exception {
    int clientPort;
    try (RawClient client = RawClient.connect(gw.port("logged"))) {
      clientPort = client.socket().getLocalPort();
      client.send("hello\nworld\n");
      assertThat(client.readLine()).isEqualTo("hello");
      assertThat(client.readLine()).isEqualTo("world");
    }
    int port = clientPort;
    Map<String, String> line = lineFor(port);
    assertThat(line).containsEntry("listener", "logged").containsEntry("frames_in", "2")
      .containsEntry("frames_out", "2").containsEntry("bytes_in", "12").containsEntry("bytes_out", "12")
      .containsEntry("peer", "-").containsEntry("abandoned", "0").containsEntry("reason", "client");
    assertThat(line.get("connection")).startsWith(Connections.node() + "-");
    assertThat(Long.parseLong(line.get("duration_ms"))).isNotNegative();

    ILoggingEvent event = lines.list.stream().filter(e -> ("127.0.0.1:" + port).equals(fields(e).get("remote")))
      .findFirst().orElseThrow();
    Map<String, Object> structured = new LinkedHashMap<>();
    event.getKeyValuePairs().forEach(pair -> structured.put(pair.key, pair.value));
    assertThat(structured).as("the same facts as structured fields (top-level in the JSON log)")
      .containsEntry(ConnectionLogFields.LISTENER, "logged")
      .containsEntry(ConnectionLogFields.CONNECTION_ID, line.get("connection"))
      .containsEntry(ConnectionLogFields.CLIENT_ADDRESS, "127.0.0.1:" + port)
      .containsEntry(ConnectionLogFields.FRAMES_IN, 2L)
      .containsEntry(ConnectionLogFields.FRAMES_OUT, 2L)
      .containsEntry(ConnectionLogFields.BYTES_IN, 12L)
      .containsEntry(ConnectionLogFields.BYTES_OUT, 12L)
      .containsEntry(ConnectionLogFields.ABANDONED, 0)
      .containsEntry(ConnectionLogFields.CLOSE_REASON, "client");
  }

  @Test
  void aFrameTooLarge_anIdleConnection_andAReset_eachGetTheirReason() throws Exception {
    int tooLarge;
    try (RawClient client = RawClient.connect(gw.port("logged"))) {
      tooLarge = client.socket().getLocalPort();
      client.send("this line is longer than sixteen bytes\n");
      assertThat(client.readLine()).startsWith("ERR frame-too-large");
      assertThat(client.awaitClosedByServer()).isTrue();
    }
    assertThat(lineFor(tooLarge)).containsEntry("reason", "frame-too-large").containsEntry("frames_out", "1");

    int idle;
    try (RawClient client = RawClient.connect(gw.port("logged"))) {
      idle = client.socket().getLocalPort();
      assertThat(client.awaitClosedByServer()).isTrue();
    }
    assertThat(lineFor(idle)).containsEntry("reason", "idle-timeout").containsEntry("frames_in", "0");

    RawClient reset = RawClient.connect(gw.port("logged"));
    int resetPort = reset.socket().getLocalPort();
    reset.send("one\n");
    assertThat(reset.readLine()).isEqualTo("one");
    reset.reset();
    assertThat(lineFor(resetPort)).containsEntry("reason", "reset").containsEntry("frames_in", "1");
  }
}
