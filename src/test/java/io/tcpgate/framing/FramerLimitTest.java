package io.tcpgate.framing;

import static io.tcpgate.framing.FramingFixtures.bytes;
import static io.tcpgate.framing.FramingFixtures.feedBytewise;
import static io.tcpgate.framing.FramingFixtures.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Size limits, bad headers and error ordering for every framing kind. */
class FramerLimitTest {

  private static final int MAX = 8;

  // ---- lines ----

  @Test
  void linesAcceptExactlyMaxBytesWithLfOrCrLf() {
    FramingFixtures.Recorder sink = new FramingFixtures.Recorder();
    Framer framer = sink.attach(FramingSpec.lines(MAX, false));
    framer.handle(text("12345678\n12345678\r\n"));
    feedBytewise(framer, text("12345678\r\n12345678\n"));
    assertThat(sink.texts()).containsExactly("12345678", "12345678", "12345678", "12345678");
    assertThat(sink.errors).isEmpty();
    framer.handle(text("x\n"));
    assertThat(sink.texts()).as("still framing").endsWith("x");
  }

  @Test
  void linesRejectMaxPlusOneBytesInOneChunk() {
    FramingFixtures.Recorder sink = new FramingFixtures.Recorder();
    sink.attach(FramingSpec.lines(MAX, false)).handle(text("123456789\n"));
    assertTooLarge(sink.onlyError(), "frame length (9) exceeds the allowed maximum (8)");
    assertThat(sink.frames).isEmpty();
  }

  @Test
  void linesRejectMaxPlusOneBytesFedBytewiseWhenTheLfArrives() {
    FramingFixtures.Recorder sink = new FramingFixtures.Recorder();
    Framer framer = sink.attach(FramingSpec.lines(MAX, false));
    feedBytewise(framer, text("123456789"));
    assertThat(sink.errors).as("9 bytes may still be 8 bytes + CR").isEmpty();
    framer.handle(text("\n"));
    assertTooLarge(sink.onlyError(), "frame length (9) exceeds the allowed maximum (8)");
  }

  @Test
  void linesRejectAnUnterminatedTailOnceItCannotBeMaxPlusCr() {
    FramingFixtures.Recorder sink = new FramingFixtures.Recorder();
    Framer framer = sink.attach(FramingSpec.lines(MAX, false));
    feedBytewise(framer, text("123456789"));
    assertThat(sink.errors).isEmpty();
    framer.handle(text("0"));
    assertTooLarge(sink.onlyError(), "frame length (at least 9) exceeds the allowed maximum (8)");
    framer.handle(text("\n1\n"));
    assertThat(sink.frames).as("input after the error is ignored").isEmpty();
    assertThat(sink.errors).hasSize(1);
  }

  @Test
  void linesStripOnlyOneCr() {
    FramingFixtures.Recorder sink = new FramingFixtures.Recorder();
    sink.attach(FramingSpec.lines(MAX, false)).handle(text("1234567\r\r\n12345678\r\r\n"));
    assertThat(sink.texts()).containsExactly("1234567\r");
    assertTooLarge(sink.onlyError(), "frame length (9) exceeds the allowed maximum (8)");
  }

  @Test
  void neverTerminatedLineInOneKibChunksFailsOnceTheTailExceedsTheCap() {
    int max = 65_536;
    FramingFixtures.Recorder sink = new FramingFixtures.Recorder();
    Framer framer = sink.attach(FramingSpec.lines(max, false));
    byte[] kib = new byte[1024];
    Arrays.fill(kib, (byte) 'x');
    Buffer chunk = Buffer.buffer(kib);
    int chunksUntilError = 0;
    while (sink.errors.isEmpty() && chunksUntilError < 1000) {
      framer.handle(chunk);
      chunksUntilError++;
    }
    // 64 KiB = max bytes could still be followed by CR LF; 65 KiB = 66560 > 65536 + 1 cannot.
    assertThat(chunksUntilError).isEqualTo(65);
    assertTooLarge(sink.onlyError(), "frame length (at least 66559) exceeds the allowed maximum (65536)");
    for (int i = 0; i < 100; i++) {
      framer.handle(chunk);
    }
    framer.handle(text("\n"));
    assertThat(sink.errors).hasSize(1);
    assertThat(sink.frames).isEmpty();
    assertThat(framer.hasPartialFrame()).isFalse();
  }

  // ---- delimiter ----

  @Test
  void multiByteDelimiterAcceptsExactlyMaxAndRejectsMaxPlusOne() {
    FramingSpec spec = FramingSpec.delimiter(text("\r\n\r\n").getBytes(), MAX);
    FramingFixtures.Recorder ok = new FramingFixtures.Recorder();
    feedBytewise(ok.attach(spec), text("12345678\r\n\r\n\r\n\r\n"));
    assertThat(ok.texts()).containsExactly("12345678", "");
    assertThat(ok.errors).isEmpty();

    FramingFixtures.Recorder bad = new FramingFixtures.Recorder();
    bad.attach(spec).handle(text("123456789\r\n\r\n"));
    assertTooLarge(bad.onlyError(), "frame length (9) exceeds the allowed maximum (8)");
    assertThat(bad.frames).isEmpty();
  }

  @Test
  void multiByteDelimiterTailMayHoldMaxBytesPlusAPartialDelimiter() {
    FramingSpec spec = FramingSpec.delimiter(text("\r\n\r\n").getBytes(), MAX);
    FramingFixtures.Recorder sink = new FramingFixtures.Recorder();
    Framer framer = sink.attach(spec);
    framer.handle(text("12345678\r\n\r"));
    assertThat(sink.errors).isEmpty();
    framer.handle(text("\n"));
    assertThat(sink.texts()).containsExactly("12345678");

    FramingFixtures.Recorder tooLong = new FramingFixtures.Recorder();
    tooLong.attach(spec).handle(text("123456789\r\n\r"));
    assertTooLarge(tooLong.onlyError(), "frame length (at least 9) exceeds the allowed maximum (8)");
  }

  @Test
  void delimiterErrorComesAfterEarlierFramesAndStopsEverything() {
    FramingFixtures.Recorder sink = new FramingFixtures.Recorder();
    Framer framer = sink.attach(FramingSpec.delimiter(text("aab").getBytes(), MAX));
    framer.handle(text("xaabaaab123456789aabzaab"));
    assertThat(sink.texts()).containsExactly("x", "a");
    assertTooLarge(sink.onlyError(), "frame length (9) exceeds the allowed maximum (8)");
    framer.handle(text("more aab"));
    framer.resume();
    assertThat(sink.texts()).containsExactly("x", "a");
    assertThat(sink.errors).hasSize(1);
  }

  @Test
  void linesErrorComesAfterEarlierFramesInTheSameChunk() {
    FramingFixtures.Recorder sink = new FramingFixtures.Recorder();
    Framer framer = sink.attach(FramingSpec.lines(MAX, false));
    framer.handle(text("a\r\nbb\n123456789\nc\n"));
    assertThat(sink.texts()).containsExactly("a", "bb");
    assertTooLarge(sink.onlyError(), "frame length (9) exceeds the allowed maximum (8)");
    framer.handle(text("d\n"));
    assertThat(sink.texts()).containsExactly("a", "bb");
  }

  @Test
  void tailErrorComesAfterTheFramesCompletedInTheSameChunk() {
    FramingFixtures.Recorder sink = new FramingFixtures.Recorder();
    sink.attach(FramingSpec.lines(MAX, false)).handle(text("a\nb\n0123456789"));
    assertThat(sink.texts()).containsExactly("a", "b");
    assertTooLarge(sink.onlyError(), "frame length (at least 9) exceeds the allowed maximum (8)");
  }

  // ---- fixed ----

  @Test
  void fixedFramesOfExactlyMaxAreAcceptedAndLargerOnesCannotBeConfigured() {
    FramingFixtures.Recorder sink = new FramingFixtures.Recorder();
    sink.attach(FramingSpec.fixed(MAX, MAX)).handle(text("12345678abcdefgh1"));
    assertThat(sink.texts()).containsExactly("12345678", "abcdefgh");
    assertThat(sink.framer.hasPartialFrame()).isTrue();
    assertThatThrownBy(() -> FramingSpec.fixed(MAX + 1, MAX))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("frameBytes (9) must be <= maxFrameBytes (8)");
  }

  // ---- length-prefixed ----

  static Stream<Arguments> lengthPrefixedVariants() {
    List<Arguments> out = new ArrayList<>();
    for (int header : new int[] {1, 2, 4}) {
      for (ByteOrder order : new ByteOrder[] {ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN}) {
        for (boolean includes : new boolean[] {false, true}) {
          out.add(Arguments.of(header, order, includes));
        }
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "header {0} {1} includesHeader={2}")
  @MethodSource("lengthPrefixedVariants")
  void lengthPrefixedAcceptsExactlyMax(int header, ByteOrder order, boolean includes) {
    int max = 100;
    FramingSpec spec = FramingSpec.lengthPrefixed(header, order, includes, max);
    FramingFixtures.Recorder sink = new FramingFixtures.Recorder();
    Framer framer = sink.attach(spec);
    Buffer payload = Buffer.buffer(new byte[max]);
    feedBytewise(framer, spec.encodeReply(payload));
    framer.handle(spec.encodeReply(payload));
    assertThat(sink.frames).hasSize(2).allSatisfy(frame -> assertThat(frame.length()).isEqualTo(max));
    assertThat(sink.errors).isEmpty();
  }

  @ParameterizedTest(name = "header {0} {1} includesHeader={2}")
  @MethodSource("lengthPrefixedVariants")
  void lengthPrefixedRejectsMaxPlusOneFromTheHeaderAlone(int header, ByteOrder order, boolean includes) {
    int max = 100;
    FramingSpec spec = FramingSpec.lengthPrefixed(header, order, includes, max);
    FramingFixtures.Recorder sink = new FramingFixtures.Recorder();
    Framer framer = sink.attach(spec);
    Buffer headerOnly = header(header, order, max + 1 + (includes ? header : 0));
    feedBytewise(framer, headerOnly);
    assertTooLarge(sink.onlyError(), "frame length (101) exceeds the allowed maximum (100)");
    framer.handle(Buffer.buffer(new byte[max + 1]));
    assertThat(sink.frames).isEmpty();
    assertThat(sink.errors).hasSize(1);
  }

  @ParameterizedTest(name = "header {0} {1} includesHeader={2}")
  @MethodSource("lengthPrefixedVariants")
  void lengthPrefixedErrorComesAfterEarlierFramesAndNothingAfter(int header, ByteOrder order, boolean includes) {
    FramingSpec spec = FramingSpec.lengthPrefixed(header, order, includes, 100);
    FramingFixtures.Recorder sink = new FramingFixtures.Recorder();
    Buffer wire = Buffer.buffer()
        .appendBuffer(spec.encodeReply(text("a")))
        .appendBuffer(spec.encodeReply(text("")))
        .appendBuffer(spec.encodeReply(text("bb")))
        .appendBuffer(header(header, order, 101 + (includes ? header : 0)))
        .appendBuffer(spec.encodeReply(text("c")));
    sink.attach(spec).handle(wire);
    assertThat(sink.texts()).containsExactly("a", "", "bb");
    assertThat(sink.onlyError().kind()).isEqualTo(FramingException.Kind.FRAME_TOO_LARGE);
  }

  @Test
  void fourByteLengthsAreUnsigned() {
    FramingFixtures.Recorder be = new FramingFixtures.Recorder();
    be.attach(FramingSpec.lengthPrefixed(4, ByteOrder.BIG_ENDIAN, false, 65_536)).handle(bytes("ff ff ff ff"));
    assertTooLarge(be.onlyError(), "frame length (4294967295) exceeds the allowed maximum (65536)");

    FramingFixtures.Recorder le = new FramingFixtures.Recorder();
    le.attach(FramingSpec.lengthPrefixed(4, ByteOrder.LITTLE_ENDIAN, true, 65_536)).handle(bytes("00 00 00 80"));
    assertTooLarge(le.onlyError(), "frame length (2147483644) exceeds the allowed maximum (65536)");

    FramingFixtures.Recorder max = new FramingFixtures.Recorder();
    max.attach(FramingSpec.lengthPrefixed(4, ByteOrder.BIG_ENDIAN, false, Integer.MAX_VALUE))
        .handle(bytes("80 00 00 00"));
    assertTooLarge(max.onlyError(), "frame length (2147483648) exceeds the allowed maximum (2147483647)");
  }

  @Test
  void headerSmallerThanItselfIsABadFrame() {
    FramingFixtures.Recorder two = new FramingFixtures.Recorder();
    Framer framer = two.attach(FramingSpec.lengthPrefixed(2, ByteOrder.BIG_ENDIAN, true, 100));
    framer.handle(bytes("00 02 00 03 41 00 01 00 03 42"));
    assertThat(two.texts()).containsExactly("", "A");
    FramingException error = two.onlyError();
    assertThat(error.kind()).isEqualTo(FramingException.Kind.BAD_FRAME);
    assertThat(error.kind().code()).isEqualTo("bad-frame");
    assertThat(error).hasMessage("length header value (1) is smaller than the header itself (2 bytes)");
    framer.handle(bytes("00 03 43"));
    assertThat(two.texts()).as("input after the error is ignored").containsExactly("", "A");

    FramingFixtures.Recorder one = new FramingFixtures.Recorder();
    one.attach(FramingSpec.lengthPrefixed(1, ByteOrder.BIG_ENDIAN, true, 100)).handle(bytes("00"));
    assertThat(one.onlyError().kind()).isEqualTo(FramingException.Kind.BAD_FRAME);

    FramingFixtures.Recorder four = new FramingFixtures.Recorder();
    four.attach(FramingSpec.lengthPrefixed(4, ByteOrder.LITTLE_ENDIAN, true, 100)).handle(bytes("03 00 00 00"));
    assertThat(four.onlyError()).hasMessage("length header value (3) is smaller than the header itself (4 bytes)");
  }

  @Test
  void zeroLengthPayloadsAreEmptyFramesAndParsingContinues() {
    FramingFixtures.Recorder sink = new FramingFixtures.Recorder();
    Framer framer = sink.attach(FramingSpec.lengthPrefixed(4, ByteOrder.BIG_ENDIAN, false, 100));
    framer.handle(bytes("00 00 00 00 00 00 00 00 00 00 00 05 68 65 6c 6c 6f 00 00 00 00"));
    assertThat(sink.texts()).containsExactly("", "", "hello", "");
    assertThat(framer.hasPartialFrame()).isFalse();
    sink.frames.get(0).appendString("appendable");
    assertThat(sink.frames.get(0).toString()).isEqualTo("appendable");
  }

  @Test
  void errorIsReportedOnceAndTheFramerStaysFailed() {
    FramingFixtures.Recorder sink = new FramingFixtures.Recorder();
    Framer framer = sink.attach(FramingSpec.lines(MAX, false));
    sink.onFrameHook = (f, frame) -> f.pause();
    framer.handle(text("a\n123456789\n"));
    assertThat(sink.texts()).containsExactly("a");
    assertThat(sink.errors).isEmpty();
    framer.resume();
    assertTooLarge(sink.onlyError(), "frame length (9) exceeds the allowed maximum (8)");
    framer.resume();
    framer.handle(text("b\n"));
    framer.pause();
    framer.resume();
    assertThat(sink.texts()).containsExactly("a");
    assertThat(sink.errors).hasSize(1);
  }

  private static Buffer header(int width, ByteOrder order, long value) {
    Buffer out = Buffer.buffer();
    boolean little = order == ByteOrder.LITTLE_ENDIAN;
    switch (width) {
      case 1:
        return out.appendUnsignedByte((short) value);
      case 2:
        return little ? out.appendUnsignedShortLE((int) value) : out.appendUnsignedShort((int) value);
      case 4:
        return little ? out.appendUnsignedIntLE(value) : out.appendUnsignedInt(value);
      default:
        throw new IllegalArgumentException("width " + width);
    }
  }

  private static void assertTooLarge(FramingException error, String message) {
    assertThat(error.kind()).isEqualTo(FramingException.Kind.FRAME_TOO_LARGE);
    assertThat(error.kind().code()).isEqualTo("frame-too-large");
    assertThat(error).hasMessage(message);
  }
}
