package io.tcpgate.connection;

import io.tcpgate.metrics.ListenerStats.CloseReason;
import io.tcpgate.testing.RawClient;
import io.tcpgate.testing.TestGateway;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import static io.tcpgate.testing.Bytes.bytes;
import static org.assertj.core.api.Assertions.assertThat;

/** Every framing kind end to end over real sockets, including limits and arbitrary TCP segmentation. */
@ExtendWith(VertxExtension.class)
class FramingOverSocketTest {

  private static final int MAX = 16;

  private TestGateway gw;

  @BeforeEach
  void setUp(VertxTestContext ctx) {
    gw = new TestGateway();
    gw.vertx().eventBus().consumer("echo", m -> m.reply(m.body()));
    Buffer reused = Buffer.buffer("....");
    gw.vertx().eventBus().<Buffer>consumer("reuse", m -> {
      reused.setBuffer(0, m.body());
      m.reply(reused);
      reused.setString(0, "XXXX");
    });
    gw.start(TestGateway.config(
        TestGateway.listener("lines", "echo").put("framing", new JsonObject().put("kind", "lines")
          .put("maxFrameBytes", MAX)),
        TestGateway.listener("crlf", "echo").put("framing", new JsonObject().put("kind", "lines").put("crlf", true)),
        TestGateway.listener("delim", "echo").put("framing", new JsonObject().put("kind", "delimiter")
          .put("delimiter", "\\r\\n\\r\\n").put("maxFrameBytes", MAX)),
        TestGateway.listener("hexdelim", "echo").put("framing", new JsonObject().put("kind", "delimiter")
          .put("delimiterHex", "00ff")),
        TestGateway.listener("fixed", "echo").put("framing", new JsonObject().put("kind", "fixed")
          .put("frameBytes", 4)),
        TestGateway.listener("fixedreuse", "reuse").put("framing", new JsonObject().put("kind", "fixed")
          .put("frameBytes", 4)),
        TestGateway.listener("len4", "echo").put("framing", new JsonObject().put("kind", "length-prefixed")
          .put("maxFrameBytes", MAX)),
        TestGateway.listener("len2le", "echo").put("framing", new JsonObject().put("kind", "length-prefixed")
          .put("headerBytes", 2).put("byteOrder", "little").put("lengthIncludesHeader", true))))
      .onComplete(ctx.succeedingThenComplete());
  }

  @AfterEach
  void tearDown(VertxTestContext ctx) {
    gw.close().onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void lines_stripCr_andReplyWithLf() throws Exception {
    try (RawClient client = RawClient.connect(gw.port("lines"))) {
      client.send("one\r\ntwo\n\n");
      assertThat(client.readLine()).isEqualTo("one");
      assertThat(client.readLine()).isEqualTo("two");
      assertThat(client.readLine()).isEqualTo("");
    }
  }

  @Test
  void lines_replyWithCrlf_whenConfigured() throws Exception {
    try (RawClient client = RawClient.connect(gw.port("crlf"))) {
      client.send("one\n");
      assertThat(client.readExactly(5)).isEqualTo("one\r\n".getBytes(StandardCharsets.US_ASCII));
    }
  }

  @Test
  void delimiter_textAndHex() throws Exception {
    try (RawClient client = RawClient.connect(gw.port("delim"))) {
      client.send("a\r\nb\r\n\r\nc\r\n\r\n");
      assertThat(client.readExactly(8)).isEqualTo("a\r\nb\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      assertThat(client.readExactly(5)).isEqualTo("c\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    }
    try (RawClient client = RawClient.connect(gw.port("hexdelim"))) {
      client.send(bytes("01 02 00 ff 03 00 ff"));
      assertThat(client.readExactly(7)).isEqualTo(bytes("01 02 00 ff 03 00 ff"));
    }
  }

  @Test
  void fixed_repliesAsTheWorkerReturnsThem() throws Exception {
    try (RawClient client = RawClient.connect(gw.port("fixed"))) {
      client.send("abcdefg");
      assertThat(client.readExactly(4)).isEqualTo("abcd".getBytes(StandardCharsets.US_ASCII));
      client.send("h");
      assertThat(client.readExactly(4)).isEqualTo("efgh".getBytes(StandardCharsets.US_ASCII));
    }
  }

  @Test
  void fixed_writesTheReplyAsItWasWhenReplied_evenIfTheWorkerReusesItsBuffer() throws Exception {
    for (int c = 0; c < 4; c++) {
      try (RawClient client = RawClient.connect(gw.port("fixedreuse"))) {
        client.send("abcdefghijkl");
        assertThat(new String(client.readExactly(12), StandardCharsets.US_ASCII)).isEqualTo("abcdefghijkl");
      }
    }
  }

  @Test
  void lengthPrefixed_bigAndLittleEndian_withAndWithoutTheHeaderCounted() throws Exception {
    try (RawClient client = RawClient.connect(gw.port("len4"))) {
      client.send(bytes("00 00 00 05 68 65 6c 6c 6f 00 00 00 00"));
      assertThat(client.readExactly(9)).isEqualTo(bytes("00 00 00 05 68 65 6c 6c 6f"));
      assertThat(client.readExactly(4)).isEqualTo(bytes("00 00 00 00"));
    }
    try (RawClient client = RawClient.connect(gw.port("len2le"))) {
      client.send(bytes("04 00 68 69"));
      assertThat(client.readExactly(4)).isEqualTo(bytes("04 00 68 69"));
    }
  }

  @Test
  void exactlyTheMaximum_isAccepted_oneMoreGetsFrameTooLargeThenClose() throws Exception {
    String max = "x".repeat(MAX);
    try (RawClient client = RawClient.connect(gw.port("lines"))) {
      client.send(max + "\n" + max + "y\nnever\n");
      assertThat(client.readLine()).isEqualTo(max);
      assertThat(client.readLine()).isEqualTo("ERR frame-too-large");
      assertThat(client.awaitClosedByServer()).isTrue();
    }
    TestGateway.await("close counted", 15_000,
      () -> gw.stats().listener("lines").closed(CloseReason.FRAME_TOO_LARGE) == 1);
    assertThat(gw.stats().listener("lines").framesIn()).isEqualTo(1);
  }

  @Test
  void unterminatedOversizeLine_isRefusedWithoutWaitingForItsEnd() throws Exception {
    try (RawClient client = RawClient.connect(gw.port("delim"))) {
      client.send("y".repeat(MAX + 8));
      byte[] expected = "ERR frame-too-large\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
      assertThat(client.readExactly(expected.length)).isEqualTo(expected);
      assertThat(client.awaitClosedByServer()).isTrue();
    }
  }

  @Test
  void lengthHeaderOverTheMaximum_isRefusedBeforeItsPayload() throws Exception {
    try (RawClient client = RawClient.connect(gw.port("len4"))) {
      client.send(bytes("00 00 00 11"));
      byte[] error = "ERR frame-too-large".getBytes(StandardCharsets.US_ASCII);
      assertThat(client.readExactly(4 + error.length)).isEqualTo(io.tcpgate.testing.Bytes.concat(
        bytes("00 00 00 13"), error));
      assertThat(client.awaitClosedByServer()).isTrue();
    }
    try (RawClient client = RawClient.connect(gw.port("len2le"))) {
      client.send(bytes("01 00"));
      byte[] error = "ERR bad-frame".getBytes(StandardCharsets.US_ASCII);
      assertThat(client.readExactly(2 + error.length)).isEqualTo(io.tcpgate.testing.Bytes.concat(
        bytes("0f 00"), error));
      assertThat(client.awaitClosedByServer()).isTrue();
    }
  }

  @Test
  void anySegmentationOnTheWire_givesTheSameReplies() throws Exception {
    ByteArrayOutputStream input = new ByteArrayOutputStream();
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    Random random = new Random(7);
    for (int i = 0; i < 200; i++) {
      byte[] payload = new byte[random.nextInt(MAX + 1)];
      random.nextBytes(payload);
      byte[] header = {0, 0, 0, (byte) payload.length};
      input.writeBytes(header);
      input.writeBytes(payload);
    }
    expected.writeBytes(input.toByteArray());
    byte[] all = input.toByteArray();
    for (int mode = 0; mode < 3; mode++) {
      try (RawClient client = RawClient.connect(gw.port("len4"))) {
        int at = 0;
        while (at < all.length) {
          int n = mode == 0 ? all.length : mode == 1 ? 1 : 1 + random.nextInt(40);
          n = Math.min(n, all.length - at);
          client.send(java.util.Arrays.copyOfRange(all, at, at + n));
          at += n;
        }
        assertThat(client.readExactly(all.length)).isEqualTo(expected.toByteArray());
      }
    }
  }
}
