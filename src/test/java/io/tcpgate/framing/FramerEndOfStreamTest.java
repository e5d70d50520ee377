package io.tcpgate.framing;

import static io.tcpgate.framing.FramingFixtures.bytes;
import static io.tcpgate.framing.FramingFixtures.feedBytewise;
import static io.tcpgate.framing.FramingFixtures.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;

import java.nio.ByteOrder;

import org.junit.jupiter.api.Test;

/** {@link Framer#end()}: the incomplete tail per kind, pause/resume around the end, and what comes after it. */
class FramerEndOfStreamTest {

  private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;

  private static void assertEndedCleanly(FramingFixtures.Recorder sink) {
    assertThat(sink.errors).isEmpty();
    assertThat(sink.ends).isEqualTo(1);
    assertThat(sink.framer.hasPartialFrame()).isFalse();
  }

  private static void assertTruncated(FramingFixtures.Recorder sink, String message) {
    FramingException error = sink.onlyError();
    assertThat(error.kind()).isEqualTo(FramingException.Kind.BAD_FRAME);
    assertThat(error).hasMessage(message);
    assertThat(sink.ends).isZero();
    assertThat(sink.framer.hasPartialFrame()).isFalse();
  }

  // ---- complete frames, then the end ----

  @Test
  void anEmptyStreamEndsCleanly() {
    FramingFixtures.Recorder sink = new FramingFixtures.Recorder();
    sink.attach(FramingSpec.lengthPrefixed(2, BE, false, 10)).end();
    assertThat(sink.frames).isEmpty();
    assertEndedCleanly(sink);
  }

  @Test
  void completeFramesThenEndGiveTheFramesThenTheEnd() {
    FramingFixtures.Recorder lines = new FramingFixtures.Recorder();
    lines.attach(FramingSpec.lines(10, false)).handle(text("a\r\nb\n"));
    lines.framer.end();
    assertThat(lines.texts()).containsExactly("a", "b");
    assertEndedCleanly(lines);

    FramingFixtures.Recorder delimiter = new FramingFixtures.Recorder();
    delimiter.attach(FramingSpec.delimiter(text("||").getBytes(), 10)).handle(text("a||||"));
    delimiter.framer.end();
    assertThat(delimiter.texts()).containsExactly("a", "");
    assertEndedCleanly(delimiter);

    FramingFixtures.Recorder fixed = new FramingFixtures.Recorder();
    fixed.attach(FramingSpec.fixed(2, 10)).handle(text("abcd"));
    fixed.framer.end();
    assertThat(fixed.texts()).containsExactly("ab", "cd");
    assertEndedCleanly(fixed);

    FramingFixtures.Recorder lp = new FramingFixtures.Recorder();
    lp.attach(FramingSpec.lengthPrefixed(2, BE, false, 10)).handle(bytes("00 02 68 69 00 00"));
    lp.framer.end();
    assertThat(lp.texts()).containsExactly("hi", "");
    assertEndedCleanly(lp);
  }

  // ---- lines: a last line without its LF is a frame ----

  @Test
  void linesLastUnterminatedLineIsAFrame() {
    FramingFixtures.Recorder sink = new FramingFixtures.Recorder();
    Framer framer = sink.attach(FramingSpec.lines(10, false));
    framer.handle(text("a\nbc"));
    assertThat(framer.hasPartialFrame()).isTrue();
    framer.end();
    assertThat(sink.texts()).containsExactly("a", "bc");
    assertEndedCleanly(sink);
  }

  @Test
  void linesLastLineLosesItsTrailingCrLikeAnyLine() {
    FramingFixtures.Recorder sink = new FramingFixtures.Recorder();
    Framer framer = sink.attach(FramingSpec.lines(10, false));
    feedBytewise(framer, text("a\r\nb\r\r"));
    framer.end();
    assertThat(sink.texts()).containsExactly("a", "b\r");

    FramingFixtures.Recorder onlyCr = new FramingFixtures.Recorder();
    onlyCr.attach(FramingSpec.lines(10, false)).handle(text("\r"));
    onlyCr.framer.end();
    assertThat(onlyCr.texts()).containsExactly("");
    assertEndedCleanly(onlyCr);
  }

  @Test
  void linesLastLineIsCappedLikeAnyLine() {
    FramingFixtures.Recorder exact = new FramingFixtures.Recorder();
    exact.attach(FramingSpec.lines(4, false)).handle(text("abcd\r"));
    exact.framer.end();
    assertThat(exact.texts()).containsExactly("abcd");
    assertEndedCleanly(exact);

    FramingFixtures.Recorder tooLong = new FramingFixtures.Recorder();
    tooLong.attach(FramingSpec.lines(4, false)).handle(text("x\nabcde"));
    assertThat(tooLong.errors).as("5 bytes may still be 4 bytes + CR").isEmpty();
    tooLong.framer.end();
    assertThat(tooLong.texts()).containsExactly("x");
    FramingException error = tooLong.onlyError();
    assertThat(error.kind()).isEqualTo(FramingException.Kind.FRAME_TOO_LARGE);
    assertThat(error).hasMessage("frame length (5) exceeds the allowed maximum (4)");
    assertThat(tooLong.ends).isZero();
  }

  // ---- delimiter, fixed, length-prefixed: an incomplete frame is truncated ----

  @Test
  void delimiterRestWithoutTheDelimiterIsTruncated() {
    FramingFixtures.Recorder sink = new FramingFixtures.Recorder();
    sink.attach(FramingSpec.delimiter(text("||").getBytes(), 10)).handle(text("a||hello"));
    sink.framer.end();
    assertThat(sink.texts()).containsExactly("a");
    assertTruncated(sink, "stream ended before the delimiter (5 bytes buffered)");

    FramingFixtures.Recorder partialDelimiter = new FramingFixtures.Recorder();
    partialDelimiter.attach(FramingSpec.delimiter(text("||").getBytes(), 10)).handle(text("ab|"));
    partialDelimiter.framer.end();
    assertTruncated(partialDelimiter, "stream ended before the delimiter (3 bytes buffered)");
  }

  @Test
  void fixedShortRestIsTruncated() {
    FramingFixtures.Recorder sink = new FramingFixtures.Recorder();
    sink.attach(FramingSpec.fixed(8, 8)).handle(text("12345678abc"));
    sink.framer.end();
    assertThat(sink.texts()).containsExactly("12345678");
    assertTruncated(sink, "stream ended inside a frame (3 of 8 bytes)");
  }

  @Test
  void lengthPrefixedPartialHeaderIsTruncated() {
    FramingFixtures.Recorder sink = new FramingFixtures.Recorder();
    sink.attach(FramingSpec.lengthPrefixed(4, BE, false, 100)).handle(bytes("00 00 00 01 41 00 00"));
    sink.framer.end();
    assertThat(sink.texts()).containsExactly("A");
    assertTruncated(sink, "stream ended inside a length header (2 of 4 bytes)");
  }

  @Test
  void lengthPrefixedPartialPayloadIsTruncatedWhetherTheHeaderCameAloneOrWithIt() {
    FramingFixtures.Recorder together = new FramingFixtures.Recorder();
    together.attach(FramingSpec.lengthPrefixed(4, BE, false, 100)).handle(bytes("00 00 00 64 01 02 03 04 05"));
    together.framer.end();
    assertTruncated(together, "stream ended inside a frame (5 of 100 bytes)");

    FramingFixtures.Recorder bytewise = new FramingFixtures.Recorder();
    feedBytewise(bytewise.attach(FramingSpec.lengthPrefixed(4, BE, false, 100)), bytes("00 00 00 64 01 02 03 04 05"));
    bytewise.framer.end();
    assertTruncated(bytewise, "stream ended inside a frame (5 of 100 bytes)");

    FramingFixtures.Recorder including = new FramingFixtures.Recorder();
    including.attach(FramingSpec.lengthPrefixed(2, BE, true, 100)).handle(bytes("00 07 01 02"));
    including.framer.end();
    assertTruncated(including, "stream ended inside a frame (2 of 5 bytes)");
  }

  @Test
  void lengthPrefixedHeaderWithoutAnyPayloadIsTruncated() {
    FramingFixtures.Recorder sink = new FramingFixtures.Recorder();
    Framer framer = sink.attach(FramingSpec.lengthPrefixed(2, BE, false, 100));
    feedBytewise(framer, bytes("00 03"));
    assertThat(framer.hasPartialFrame()).isTrue();
    framer.end();
    assertTruncated(sink, "stream ended inside a frame (0 of 3 bytes)");
  }

  // ---- pause and resume around the end ----

  @Test
  void endWhilePausedWaitsForResumeThenDeliversTheBufferedFramesFirst() {
    FramingFixtures.Recorder sink = new FramingFixtures.Recorder();
    Framer framer = sink.attach(FramingSpec.lines(10, false));
    sink.pause();
    framer.handle(text("a\nb\nc"));
    framer.end();
    assertThat(sink.frames).isEmpty();
    assertThat(sink.ends).isZero();
    sink.resume();
    assertThat(sink.texts()).containsExactly("a", "b", "c");
    assertEndedCleanly(sink);
  }

  @Test
  void endWhilePausedWithNothingBufferedStillWaitsForResume() {
    FramingFixtures.Recorder sink = new FramingFixtures.Recorder();
    Framer framer = sink.attach(FramingSpec.fixed(2, 2));
    framer.handle(text("ab"));
    sink.pause();
    framer.end();
    assertThat(sink.ends).isZero();
    sink.resume();
    assertThat(sink.texts()).containsExactly("ab");
    assertEndedCleanly(sink);
  }

  @Test
  void truncationIsReportedOnlyAfterTheBufferedFramesOnResume() {
    FramingFixtures.Recorder sink = new FramingFixtures.Recorder();
    Framer framer = sink.attach(FramingSpec.fixed(2, 2));
    sink.pause();
    framer.handle(text("abcde"));
    framer.end();
    assertThat(sink.errors).isEmpty();
    sink.resume();
    assertThat(sink.texts()).containsExactly("ab", "cd");
    assertTruncated(sink, "stream ended inside a frame (1 of 2 bytes)");
  }

  @Test
  void sinkPausingDuringTheEndsDeliveriesDelaysTheEndToTheNextResume() {
    FramingFixtures.Recorder sink = new FramingFixtures.Recorder();
    Framer framer = sink.attach(FramingSpec.lines(10, false));
    sink.onFrameHook = (f, frame) -> sink.pause();
    framer.handle(text("a\nb\nc"));
    assertThat(sink.texts()).containsExactly("a");
    framer.end();
    assertThat(sink.texts()).containsExactly("a");
    sink.resume();
    assertThat(sink.texts()).containsExactly("a", "b");
    assertThat(sink.ends).isZero();
    sink.resume();
    assertThat(sink.texts()).as("the last line is delivered, and paused in").containsExactly("a", "b", "c");
    assertThat(sink.ends).isZero();
    sink.resume();
    assertEndedCleanly(sink);
  }

  @Test
  void endFromInsideOnFrameStillDeliversTheRestOfTheChunk() {
    FramingFixtures.Recorder sink = new FramingFixtures.Recorder();
    Framer framer = sink.attach(FramingSpec.lines(10, false));
    sink.onFrameHook = (f, frame) -> {
      if (frame.toString().equals("a")) {
        f.end();
        f.handle(text("ignored\n"));
      }
    };
    framer.handle(text("a\nb\nc"));
    assertThat(sink.texts()).containsExactly("a", "b", "c");
    assertEndedCleanly(sink);
  }

  // ---- after the end ----

  @Test
  void endTwiceEndsOnce() {
    FramingFixtures.Recorder sink = new FramingFixtures.Recorder();
    Framer framer = sink.attach(FramingSpec.lines(10, false));
    framer.handle(text("a"));
    framer.end();
    framer.end();
    assertThat(sink.texts()).containsExactly("a");
    assertEndedCleanly(sink);

    FramingFixtures.Recorder paused = new FramingFixtures.Recorder();
    Framer pausedFramer = paused.attach(FramingSpec.lines(10, false));
    paused.pause();
    pausedFramer.end();
    pausedFramer.end();
    paused.resume();
    pausedFramer.end();
    paused.resume();
    assertEndedCleanly(paused);
  }

  @Test
  void inputAfterEndIsIgnored() {
    FramingFixtures.Recorder sink = new FramingFixtures.Recorder();
    Framer framer = sink.attach(FramingSpec.lines(10, false));
    framer.handle(text("a\n"));
    framer.end();
    framer.handle(text("b\n"));
    framer.pause();
    framer.resume();
    assertThat(sink.texts()).containsExactly("a");
    assertEndedCleanly(sink);

    FramingFixtures.Recorder pending = new FramingFixtures.Recorder();
    Framer pendingFramer = pending.attach(FramingSpec.fixed(2, 10));
    pending.pause();
    pendingFramer.handle(text("ab"));
    pendingFramer.end();
    pendingFramer.handle(text("c"));
    pending.resume();
    assertThat(pending.texts()).as("the byte fed after end() is no truncated frame").containsExactly("ab");
    assertEndedCleanly(pending);
  }

  @Test
  void aFramingErrorBeforeTheEndMeansNoEndOfStream() {
    FramingFixtures.Recorder sink = new FramingFixtures.Recorder();
    Framer framer = sink.attach(FramingSpec.lengthPrefixed(1, BE, true, 10));
    framer.handle(bytes("00"));
    framer.end();
    assertThat(sink.onlyError()).hasMessage("length header value (0) is smaller than the header itself (1 bytes)");
    assertThat(sink.ends).isZero();
  }

  @Test
  void hasPartialFrameIsFalseOnceTheEndTookEffect() {
    FramingFixtures.Recorder sink = new FramingFixtures.Recorder();
    sink.onFrameHook = (f, frame) -> sink.pause();
    Framer framer = sink.attach(FramingSpec.lines(10, false));
    framer.handle(text("ab"));
    assertThat(framer.hasPartialFrame()).isTrue();
    framer.end();
    assertThat(sink.texts()).containsExactly("ab");
    assertThat(framer.hasPartialFrame()).as("paused in the last line").isFalse();
    sink.resume();
    assertEndedCleanly(sink);
    framer.handle(Buffer.buffer("cd"));
    assertThat(framer.hasPartialFrame()).isFalse();
  }
}
