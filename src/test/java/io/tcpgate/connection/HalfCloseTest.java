package io.tcpgate.connection;

import io.tcpgate.metrics.ListenerStats.CloseReason;
import io.tcpgate.metrics.ListenerStats.Outcome;
import io.tcpgate.testing.TestGateway;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static io.tcpgate.testing.Bytes.bytes;
import static io.tcpgate.testing.Bytes.concat;
import static org.assertj.core.api.Assertions.assertThat;

/** A client that half-closes (FIN after its frames) gets every reply, in order, and then the gateway's FIN. */
@ExtendWith(VertxExtension.class)
class HalfCloseTest {

  private static final String[] DISPATCH = {"ordered", "pinned", "parallel"};
  private static final String[] THREADING = {"event-loop", "worker"};
  /** How long a test waits for the gateway's end of stream before it fails. */
  private static final long EOF_WAIT_MS = 10_000;
  private static final long REQUEST_TIMEOUT_MS = 300;

  private static TestGateway gw;

  /** The framing kinds as a client writes them; the echo worker's reply is framed the same way. */
  enum Kind {
    LINES(new JsonObject().put("kind", "lines")) {
      @Override
      byte[] encode(String payload) {
        return ascii(payload + "\n");
      }
    },
    DELIMITER(new JsonObject().put("kind", "delimiter").put("delimiter", "||")) {
      @Override
      byte[] encode(String payload) {
        return ascii(payload + "||");
      }
    },
    FIXED(new JsonObject().put("kind", "fixed").put("frameBytes", 8)) {
      @Override
      byte[] encode(String payload) {
        byte[] frame = ascii(payload);
        if (frame.length != 8) {
          throw new IllegalArgumentException("fixed frames are 8 bytes: '" + payload + "'");
        }
        return frame;
      }
    },
    LENGTH_PREFIXED(new JsonObject().put("kind", "length-prefixed").put("headerBytes", 4)) {
      @Override
      byte[] encode(String payload) {
        byte[] body = ascii(payload);
        return concat(ByteBuffer.allocate(4).putInt(body.length).array(), body);
      }
    };

    final JsonObject framing;

    Kind(JsonObject framing) {
      this.framing = framing;
    }

    /** One frame as it goes over the wire. */
    abstract byte[] encode(String payload);

    String listener(String dispatch, String threading) {
      return name().toLowerCase() + "-" + dispatch + "-" + threading;
    }
  }

  @BeforeAll
  static void startGateway(VertxTestContext ctx) {
    gw = new TestGateway();
    List<JsonObject> listeners = new ArrayList<>();
    for (Kind kind : Kind.values()) {
      for (String dispatch : DISPATCH) {
        for (String threading : THREADING) {
          listeners.add(TestGateway.listener(kind.listener(dispatch, threading), "echo." + threading)
            .put("framing", kind.framing.copy()).put("dispatch", dispatch));
        }
      }
    }
    for (Kind kind : Kind.values()) {
      // one frame in flight at a time: reading pauses after every frame, also when the end of stream is next
      listeners.add(TestGateway.listener(kind.listener("window-of-one", "worker"), "echo.worker")
        .put("framing", kind.framing.copy()).put("maxInFlight", 1).put("dispatch", "parallel"));
    }
    listeners.add(TestGateway.listener("crlf-delimiter", "echo.event-loop")
      .put("framing", new JsonObject().put("kind", "delimiter").put("delimiterHex", "0d0a")));
    listeners.add(TestGateway.listener("lines-max8", "echo.event-loop")
      .put("framing", new JsonObject().put("kind", "lines").put("maxFrameBytes", 8)));
    listeners.add(TestGateway.listener("silent", "silent").put("requestTimeoutMs", REQUEST_TIMEOUT_MS));
    listeners.add(TestGateway.listener("idle", "silent").put("requestTimeoutMs", Long.MAX_VALUE)
      .put("idleTimeoutSeconds", 1));
    JsonObject config = TestGateway.config(listeners.toArray(new JsonObject[0]));
    JsonArray workers = new JsonArray();
    for (String threading : THREADING) {
      workers.add(new JsonObject().put("verticle", "echo").put("instances", 2).put("threading", threading)
        .put("config", new JsonObject().put("address", "echo." + threading)));
    }
    config.put("workers", workers);
    // a worker that takes every frame and never answers
    gw.vertx().eventBus().consumer("silent", m -> { });
    gw.start(config).onComplete(ctx.succeedingThenComplete());
  }

  @AfterEach
  void nothingLeaked() throws InterruptedException {
    gw.awaitNothingHeld(5_000);
  }

  @AfterAll
  static void stopGateway(VertxTestContext ctx) {
    gw.close().onComplete(ctx.succeedingThenComplete());
  }

  static Stream<Arguments> everyKindThreadingDispatchAndCount() {
    List<Arguments> all = new ArrayList<>();
    for (Kind kind : Kind.values()) {
      for (String threading : THREADING) {
        for (String dispatch : DISPATCH) {
          for (int frames : new int[] {1, 10, 1_000}) {
            all.add(Arguments.of(kind, threading, dispatch, frames));
          }
        }
      }
    }
    return all.stream();
  }

  @ParameterizedTest(name = "{0}, {1} workers, {2} dispatch, {3} frames")
  @MethodSource("everyKindThreadingDispatchAndCount")
  void halfClose_afterPipelinedFrames_getsEveryReplyInOrderThenEof(Kind kind, String threading, String dispatch,
                                                                  int frames) throws Exception {
    List<byte[]> sent = new ArrayList<>();
    for (int i = 0; i < frames; i++) {
      sent.add(kind.encode(String.format("f-%06d", i)));
    }
    byte[] wire = concat(sent.toArray(new byte[0][]));

    byte[] received = sendThenHalfClose(gw.port(kind.listener(dispatch, threading)), wire);

    // echo: the replies, framed like the requests, are the very bytes sent
    assertSameBytes(received, wire);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void halfClose_withAWindowOfOneFrame_getsEveryReplyInOrderThenEof(Kind kind) throws Exception {
    List<byte[]> sent = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      sent.add(kind.encode(String.format("w-%06d", i)));
    }
    byte[] wire = concat(sent.toArray(new byte[0][]));

    byte[] received = sendThenHalfClose(gw.port(kind.listener("window-of-one", "worker")), wire);

    assertSameBytes(received, wire);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void halfClose_withoutAnyFrame_getsEofAndNothingElse(Kind kind) throws Exception {
    byte[] received = sendThenHalfClose(gw.port(kind.listener("ordered", "event-loop")), new byte[0]);

    assertThat(received).isEmpty();
  }

  static Stream<Arguments> incompleteLastFrames() {
    byte[] badFrame = ascii("ERR bad-frame");
    Stream<Arguments> tails = Stream.of(
      Arguments.of(Kind.LINES, "a line without its LF", ascii("tail"), Kind.LINES.encode("tail")),
      Arguments.of(Kind.LINES, "a line ending in CR without LF", ascii("tail\r"), Kind.LINES.encode("tail")),
      Arguments.of(Kind.DELIMITER, "no delimiter", ascii("tail"), Kind.DELIMITER.encode("ERR bad-frame")),
      Arguments.of(Kind.DELIMITER, "half the delimiter", ascii("tail|"), Kind.DELIMITER.encode("ERR bad-frame")),
      Arguments.of(Kind.FIXED, "4 of 8 bytes", ascii("tail"), badFrame),
      Arguments.of(Kind.LENGTH_PREFIXED, "half a header", bytes("00 00"), Kind.LENGTH_PREFIXED.encode("ERR bad-frame")),
      Arguments.of(Kind.LENGTH_PREFIXED, "a header without its payload", bytes("00 00 00 08"),
        Kind.LENGTH_PREFIXED.encode("ERR bad-frame")),
      Arguments.of(Kind.LENGTH_PREFIXED, "half a payload", concat(bytes("00 00 00 08"), ascii("tail")),
        Kind.LENGTH_PREFIXED.encode("ERR bad-frame")));
    // behind 200 frames, once read as they come and once while reading pauses after every frame
    return tails.flatMap(tail -> Stream.of("ordered-event-loop", "window-of-one-worker").map(variant -> {
      Object[] args = tail.get();
      return Arguments.of(args[0], args[1], args[2], args[3], variant);
    }));
  }

  /**
   * At end of stream a last line without its LF is still a frame; for the other kinds an incomplete frame is
   * {@code ERR bad-frame}, after the replies to the complete frames before it, and then the gateway closes.
   */
  @ParameterizedTest(name = "{0}, {1}, listener {4}")
  @MethodSource("incompleteLastFrames")
  void halfClose_insideAFrame_answersTheCompleteFramesThenTheTailThenEof(Kind kind, String tailName, byte[] tail,
                                                                       byte[] lastReply, String variant)
    throws Exception {
    List<byte[]> frames = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      frames.add(kind.encode(String.format("f-%06d", i)));
    }
    byte[] complete = concat(frames.toArray(new byte[0][]));

    byte[] received = sendThenHalfClose(gw.port(kind.name().toLowerCase() + "-" + variant), concat(complete, tail));

    assertSameBytes(received, concat(complete, lastReply));
  }

  /** The end of stream completes no frame of its own: "tail\r" is half a CRLF delimiter, not a frame. */
  @Test
  void halfClose_afterHalfACrlfDelimiter_isABadFrame_notAFrame() throws Exception {
    byte[] received = sendThenHalfClose(gw.port("crlf-delimiter"), ascii("one\r\ntwo\r\ntail\r"));

    assertSameBytes(received, ascii("one\r\ntwo\r\nERR bad-frame\r\n"));
  }

  @Test
  void halfClose_afterALastLineOfExactlyMaxFrameBytes_answersIt() throws Exception {
    byte[] received = sendThenHalfClose(gw.port("lines-max8"), ascii("one\n12345678"));

    assertSameBytes(received, ascii("one\n12345678\n"));
  }

  @Test
  void halfClose_afterALastLineOfMaxFrameBytesPlusOne_getsFrameTooLargeThenEof() throws Exception {
    byte[] received = sendThenHalfClose(gw.port("lines-max8"), ascii("one\n123456789"));

    assertSameBytes(received, ascii("one\nERR frame-too-large\n"));
  }

  @Test
  void halfClose_whileTheWorkerNeverAnswers_getsErrTimeoutForEachFrameThenEof() throws Exception {
    long timeoutsBefore = gw.stats().listener("silent").outcomes(Outcome.TIMEOUT);
    long clientClosesBefore = gw.stats().listener("silent").closed(CloseReason.CLIENT);

    byte[] received = sendThenHalfClose(gw.port("silent"), ascii("one\ntwo\n"));

    assertSameBytes(received, ascii("ERR timeout\nERR timeout\n"));
    assertThat(gw.stats().listener("silent").outcomes(Outcome.TIMEOUT)).isEqualTo(timeoutsBefore + 2);
    TestGateway.await("the close to be counted as the client's", 5_000,
      () -> gw.stats().listener("silent").closed(CloseReason.CLIENT) == clientClosesBefore + 1);
  }

  @Test
  void halfClose_withAHugeRequestTimeout_isClosedByTheIdleDeadline() throws Exception {
    long idleClosesBefore = gw.stats().listener("idle").closed(CloseReason.IDLE_TIMEOUT);
    long started = System.nanoTime();

    byte[] received = sendThenHalfClose(gw.port("idle"), ascii("never answered\n"));

    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    assertThat(received).as("nothing is written to a connection closed as idle").isEmpty();
    assertThat(elapsedMs).as("closed by the 1 s idle deadline, not at once").isBetween(900L, EOF_WAIT_MS);
    TestGateway.await("the idle close to be counted", 5_000,
      () -> gw.stats().listener("idle").closed(CloseReason.IDLE_TIMEOUT) == idleClosesBefore + 1);
  }

  // ---- helpers

  /**
   * Connects, writes {@code bytes} from a thread of its own (so that replies are read while it writes), shuts the
   * write side down and reads until the gateway's end of stream; fails if that does not come within
   * {@link #EOF_WAIT_MS}.
   */
  private static byte[] sendThenHalfClose(int port, byte[] bytes) throws Exception {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      socket.setTcpNoDelay(true);
      AtomicReference<Throwable> writeFailure = new AtomicReference<>();
      Thread writer = new Thread(() -> {
        try {
          socket.getOutputStream().write(bytes);
          socket.getOutputStream().flush();
          socket.shutdownOutput();
        } catch (Throwable e) {
          writeFailure.set(e);
        }
      }, "half-close-writer");
      writer.setDaemon(true);
      writer.start();
      byte[] received = readUntilEof(socket, EOF_WAIT_MS);
      writer.join(EOF_WAIT_MS);
      assertThat(writer.isAlive()).as("the writer is done").isFalse();
      assertThat(writeFailure.get()).as("write failure").isNull();
      return received;
    }
  }

  /** Reads until the peer's FIN (read returns -1); fails with what arrived so far when it does not come in time. */
  private static byte[] readUntilEof(Socket socket, long timeoutMs) throws IOException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    InputStream in = socket.getInputStream();
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    while (true) {
      long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (remainingMs <= 0) {
        throw new AssertionError(noEof(timeoutMs, received));
      }
      socket.setSoTimeout((int) remainingMs);
      int n;
      try {
        n = in.read(buffer);
      } catch (SocketTimeoutException e) {
        throw new AssertionError(noEof(timeoutMs, received), e);
      }
      if (n < 0) {
        return received.toByteArray();
      }
      received.write(buffer, 0, n);
    }
  }

  private static String noEof(long timeoutMs, ByteArrayOutputStream received) {
    byte[] bytes = received.toByteArray();
    int from = Math.max(0, bytes.length - 60);
    return "no end of stream from the gateway within " + timeoutMs + " ms; received " + bytes.length
      + " bytes, ending '" + printable(bytes, from, bytes.length) + "'";
  }

  /** Compares byte streams, reporting the lengths and the first difference in readable form. */
  private static void assertSameBytes(byte[] actual, byte[] expected) {
    int common = Math.min(actual.length, expected.length);
    int at = 0;
    while (at < common && actual[at] == expected[at]) {
      at++;
    }
    if (at == common && actual.length == expected.length) {
      return;
    }
    int from = Math.max(0, at - 30);
    throw new AssertionError("received " + actual.length + " bytes, expected " + expected.length
      + "; first difference at byte " + at + ":\n  expected ..." + printable(expected, from,
      Math.min(expected.length, at + 30)) + "\n  received ..." + printable(actual, from, Math.min(actual.length,
      at + 30)));
  }

  private static String printable(byte[] bytes, int from, int to) {
    StringBuilder text = new StringBuilder();
    for (int i = from; i < to; i++) {
      int b = bytes[i] & 0xff;
      if (b == '\n') {
        text.append("\\n");
      } else if (b == '\r') {
        text.append("\\r");
      } else if (b >= 0x20 && b < 0x7f && b != '\\') {
        text.append((char) b);
      } else {
        text.append(String.format("\\x%02x", b));
      }
    }
    return text.toString();
  }

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }
}
