package io.tcpgate.framing;

import static io.tcpgate.framing.FramingFixtures.bytes;
import static io.tcpgate.framing.FramingFixtures.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;

import java.nio.ByteOrder;

import org.junit.jupiter.api.Test;

/** Partial-frame tracking, pause/resume and re-entrancy details of {@link Framer}. */
class FramerBehaviourTest {

  /** Runs handle() and returns the nanoTime window [before, after] it ran in. */
  private static long[] timedHandle(Framer framer, Buffer chunk) {
    long before = System.nanoTime();
    framer.handle(chunk);
    long after = System.nanoTime();
    return new long[] {before, after};
  }

  private static void assertSinceWithin(Framer framer, long[] window) {
    assertThat(framer.hasPartialFrame()).isTrue();
    assertThat(framer.partialFrameSinceNanos()).isBetween(window[0], window[1]);
  }

  private static void pauseBriefly() throws InterruptedException {
    Thread.sleep(2);
  }

  @Test
  void noPartialFrameInitiallyOrAtFrameBoundaries() {
    FramingFixtures.Recorder sink = new FramingFixtures.Recorder();
    Framer framer = sink.attach(FramingSpec.lines(100, false));
    assertThat(framer.hasPartialFrame()).isFalse();
    assertThat(framer.partialFrameSinceNanos()).isZero();
    framer.handle(text("a\nb\n"));
    assertThat(framer.hasPartialFrame()).isFalse();
    assertThat(framer.partialFrameSinceNanos()).isZero();
    framer.handle(Buffer.buffer());
    assertThat(framer.hasPartialFrame()).isFalse();
  }

  @Test
  void partialFrameKeepsTheTimeOfItsFirstChunk() throws InterruptedException {
    FramingFixtures.Recorder sink = new FramingFixtures.Recorder();
    Framer framer = sink.attach(FramingSpec.lines(100, false));
    long[] first = timedHandle(framer, text("ab"));
    assertSinceWithin(framer, first);
    long since = framer.partialFrameSinceNanos();
    pauseBriefly();
    framer.handle(text("c"));
    framer.handle(Buffer.buffer());
    assertThat(framer.partialFrameSinceNanos()).isEqualTo(since);
    framer.handle(text("\n"));
    assertThat(sink.texts()).containsExactly("abc");
    assertThat(framer.hasPartialFrame()).isFalse();
    assertThat(framer.partialFrameSinceNanos()).isZero();
  }

  @Test
  void newFrameStartingInAChunkGetsThatChunksTime() throws InterruptedException {
    FramingFixtures.Recorder sink = new FramingFixtures.Recorder();
    Framer framer = sink.attach(FramingSpec.lines(100, false));
    long[] first = timedHandle(framer, text("ab"));
    pauseBriefly();
    long[] second = timedHandle(framer, text("c\nd\ne"));
    assertThat(sink.texts()).containsExactly("abc", "d");
    assertSinceWithin(framer, second);
    assertThat(framer.partialFrameSinceNanos()).isGreaterThan(first[1]);
  }

  @Test
  void aPartialDelimiterIsAPartialFrame() {
    FramingFixtures.Recorder sink = new FramingFixtures.Recorder();
    Framer framer = sink.attach(FramingSpec.delimiter(text("\r\n\r\n").getBytes(), 100));
    long[] window = timedHandle(framer, text("x\r\n\r\n\r"));
    assertThat(sink.texts()).containsExactly("x");
    assertSinceWithin(framer, window);
    framer.handle(text("\n\r\n"));
    assertThat(sink.texts()).containsExactly("x", "");
    assertThat(framer.hasPartialFrame()).isFalse();
  }

  @Test
  void fixedPartialFrame() {
    FramingFixtures.Recorder sink = new FramingFixtures.Recorder();
    Framer framer = sink.attach(FramingSpec.fixed(3, 3));
    long[] window = timedHandle(framer, text("abcd"));
    assertThat(sink.texts()).containsExactly("abc");
    assertSinceWithin(framer, window);
    framer.handle(text("ef"));
    assertThat(sink.texts()).containsExactly("abc", "def");
    assertThat(framer.hasPartialFrame()).isFalse();
  }

  @Test
  void lengthPrefixedFrameIsPartialFromItsFirstHeaderByteUntilThePayloadCompletes() throws InterruptedException {
    FramingFixtures.Recorder sink = new FramingFixtures.Recorder();
    Framer framer = sink.attach(FramingSpec.lengthPrefixed(4, ByteOrder.BIG_ENDIAN, false, 100));
    long[] window = timedHandle(framer, bytes("00 00"));
    assertSinceWithin(framer, window);
    pauseBriefly();
    framer.handle(bytes("00 05"));
    assertSinceWithin(framer, window);
    framer.handle(bytes("68 65 6c 6c"));
    assertSinceWithin(framer, window);
    pauseBriefly();
    long[] next = timedHandle(framer, bytes("6f 00 00 00 02"));
    assertThat(sink.texts()).containsExactly("hello");
    assertThat(framer.hasPartialFrame()).as("a parsed header with no payload yet is a partial frame").isTrue();
    assertSinceWithin(framer, next);
    framer.handle(bytes("68 69"));
    assertThat(sink.texts()).containsExactly("hello", "hi");
    assertThat(framer.hasPartialFrame()).isFalse();
  }

  @Test
  void noPartialFrameWhilePausedAndTheRightTimeAfterResume() throws InterruptedException {
    FramingFixtures.Recorder sink = new FramingFixtures.Recorder();
    Framer framer = sink.attach(FramingSpec.lines(100, false));
    sink.onFrameHook = (f, frame) -> f.pause();
    long[] first = timedHandle(framer, text("a\nb\nc"));
    assertThat(sink.texts()).containsExactly("a");
    assertThat(framer.hasPartialFrame()).isFalse();
    assertThat(framer.partialFrameSinceNanos()).isZero();
    pauseBriefly();
    framer.handle(text("c"));
    assertThat(sink.texts()).as("still paused: the buffered line b is not delivered").containsExactly("a");
    pauseBriefly();
    sink.onFrameHook = null;
    framer.resume();
    assertThat(sink.texts()).containsExactly("a", "b");
    assertSinceWithin(framer, first);
  }

  @Test
  void frameStartingInAChunkFedWhilePausedGetsThatChunksTime() throws InterruptedException {
    FramingFixtures.Recorder sink = new FramingFixtures.Recorder();
    Framer framer = sink.attach(FramingSpec.lines(100, false));
    sink.onFrameHook = (f, frame) -> f.pause();
    framer.handle(text("a\nb"));
    pauseBriefly();
    framer.handle(text("b"));
    pauseBriefly();
    long[] third = timedHandle(framer, text("\nc"));
    pauseBriefly();
    framer.handle(text("c"));
    pauseBriefly();
    sink.onFrameHook = null;
    framer.resume();
    assertThat(sink.texts()).containsExactly("a", "bb");
    assertSinceWithin(framer, third);
  }

  @Test
  void pauseOutsideAFrameKeepsThePartialFrameTimeForAfterResume() throws InterruptedException {
    FramingFixtures.Recorder sink = new FramingFixtures.Recorder();
    Framer framer = sink.attach(FramingSpec.lines(100, false));
    long[] first = timedHandle(framer, text("ab"));
    framer.pause();
    assertThat(framer.hasPartialFrame()).isFalse();
    pauseBriefly();
    framer.handle(text("c"));
    framer.resume();
    assertSinceWithin(framer, first);
    framer.pause();
    long[] late = timedHandle(framer, text("\nd"));
    framer.resume();
    assertThat(sink.texts()).containsExactly("abc");
    assertSinceWithin(framer, late);
  }

  @Test
  void failedFramerHasNoPartialFrame() {
    FramingFixtures.Recorder sink = new FramingFixtures.Recorder();
    Framer framer = sink.attach(FramingSpec.lines(4, false));
    framer.handle(text("abcdefgh"));
    assertThat(sink.onlyError().kind()).isEqualTo(FramingException.Kind.FRAME_TOO_LARGE);
    assertThat(framer.hasPartialFrame()).isFalse();
    assertThat(framer.partialFrameSinceNanos()).isZero();
    framer.handle(text("ab"));
    assertThat(framer.hasPartialFrame()).isFalse();
  }

  @Test
  void pausedFramerBuffersAndResumeDeliversInOrder() {
    FramingFixtures.Recorder sink = new FramingFixtures.Recorder();
    Framer framer = sink.attach(FramingSpec.lines(100, false));
    framer.pause();
    framer.handle(text("a\nb\n"));
    framer.handle(text("c\nd"));
    assertThat(sink.frames).isEmpty();
    framer.resume();
    assertThat(sink.texts()).containsExactly("a", "b", "c");
    assertThat(framer.hasPartialFrame()).isTrue();
    framer.resume();
    assertThat(sink.texts()).containsExactly("a", "b", "c");
  }

  @Test
  void pauseThenResumeInsideOnFrameKeepsGoing() {
    FramingFixtures.Recorder sink = new FramingFixtures.Recorder();
    Framer framer = sink.attach(FramingSpec.lines(100, false));
    sink.onFrameHook = (f, frame) -> {
      f.pause();
      f.resume();
    };
    framer.handle(text("a\nb\nc\nd"));
    assertThat(sink.texts()).containsExactly("a", "b", "c");
    assertThat(framer.hasPartialFrame()).as("not paused").isTrue();
    framer.handle(text("\n"));
    assertThat(sink.texts()).containsExactly("a", "b", "c", "d");
  }

  @Test
  void handleMayBeCalledFromInsideOnFrame() {
    FramingFixtures.Recorder sink = new FramingFixtures.Recorder();
    Framer framer = sink.attach(FramingSpec.lines(100, false));
    sink.onFrameHook = (f, frame) -> {
      if (frame.toString().equals("a")) {
        f.handle(text("x\ny"));
      }
    };
    framer.handle(text("a\nb\nc"));
    assertThat(sink.texts()).containsExactly("a", "b", "cx");
    assertThat(framer.hasPartialFrame()).isTrue();
  }

  @Test
  void theCapIsCheckedAfterResume() {
    FramingFixtures.Recorder sink = new FramingFixtures.Recorder();
    Framer framer = sink.attach(FramingSpec.lines(4, false));
    framer.pause();
    framer.handle(text("ab\ncdefgh"));
    assertThat(sink.errors).as("no cap while paused").isEmpty();
    framer.resume();
    assertThat(sink.texts()).containsExactly("ab");
    assertThat(sink.onlyError()).hasMessage("frame length (at least 5) exceeds the allowed maximum (4)");
  }

  @Test
  void framesAreIndependentAppendableBuffers() {
    FramingFixtures.Recorder sink = new FramingFixtures.Recorder();
    Framer framer = sink.attach(FramingSpec.lines(100, false));
    Buffer input = text("ab\r\ncd\n");
    framer.handle(input);
    sink.frames.get(0).appendString("!");
    sink.frames.get(1).setByte(0, (byte) 'X');
    assertThat(sink.texts()).containsExactly("ab!", "Xd");
    assertThat(input.toString()).isEqualTo("ab\r\ncd\n");
  }
}
