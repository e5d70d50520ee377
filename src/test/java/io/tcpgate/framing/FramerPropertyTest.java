package io.tcpgate.framing;

import static io.tcpgate.framing.FramingFixtures.hex;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;

import java.io.ByteArrayOutputStream;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Property tests: random frame lists are encoded and fed with many different chunkings, with and without random
 * pause/resume, then the stream is ended; every run must give back exactly the generated frames and a clean end of
 * stream. Streams cut off at random points must end the same way (same frames, same end or error) however they were
 * chunked. Rerun a failure with {@code -Dframing.seed=<seed>} (the seed is in every assertion message).
 */
class FramerPropertyTest {

  private static final long BASE_SEED = Long.getLong("framing.seed", new Random().nextLong());
  private static final int LISTS_PER_CASE = 15;
  private static final int MAX_FRAME = 50;
  private static final int ALL_CHUNK_SIZES_UP_TO = 300;
  private static final int RANDOM_CUT_RUNS = 200;
  private static final int PAUSE_RUNS = 100;
  private static final int CUTS_PER_LIST = 4;
  private static final int CUT_CHUNK_SIZES_UP_TO = 24;
  private static final int CUT_RANDOM_RUNS = 40;
  private static final String END = "end of stream";
  private static final String BAD_FRAME = "BAD_FRAME";

  /** Generates frames valid for one framing and encodes them into a wire stream. */
  private interface Codec {
    byte[] frame(Random random);

    byte[] encode(List<byte[]> frames, Random random);
  }

  static Stream<Arguments> cases() {
    List<Arguments> cases = new ArrayList<>();
    cases.add(Arguments.of("lines, mixed LF/CRLF terminators", FramingSpec.lines(MAX_FRAME, false), linesCodec()));
    for (boolean crlf : new boolean[] {false, true}) {
      FramingSpec spec = FramingSpec.lines(MAX_FRAME, crlf);
      cases.add(Arguments.of("lines via encodeReply, crlfReplies=" + crlf, spec, replyCodec(spec, linesFrames(crlf))));
    }
    for (String delimiter : new String[] {"\r\n\r\n", "aab", "abab", "|", "\0\0"}) {
      byte[] bytes = delimiter.getBytes(StandardCharsets.ISO_8859_1);
      FramingSpec spec = FramingSpec.delimiter(bytes, MAX_FRAME);
      cases.add(Arguments.of("delimiter " + hex(bytes), spec, replyCodec(spec, delimitedFrames(bytes))));
    }
    for (int size : new int[] {1, 5, MAX_FRAME}) {
      FramingSpec spec = FramingSpec.fixed(size, MAX_FRAME);
      cases.add(Arguments.of("fixed " + size, spec, replyCodec(spec, fixedFrames(size))));
    }
    for (int header : new int[] {1, 2, 4}) {
      for (ByteOrder order : new ByteOrder[] {ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN}) {
        for (boolean includes : new boolean[] {false, true}) {
          FramingSpec spec = FramingSpec.lengthPrefixed(header, order, includes, MAX_FRAME);
          cases.add(Arguments.of("length-prefixed " + header + " " + order + " includesHeader=" + includes, spec,
              replyCodec(spec, randomFrames())));
        }
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void everyChunkingGivesTheSameFramesAndACleanEnd(String name, FramingSpec spec, Codec codec) {
    long caseSeed = BASE_SEED ^ name.hashCode();
    for (int list = 0; list < LISTS_PER_CASE; list++) {
      long seed = caseSeed + list;
      Random random = new Random(seed);
      List<byte[]> frames = randomList(codec, random);
      byte[] input = codec.encode(frames, random);
      List<String> expectedFrames = new ArrayList<>();
      for (byte[] frame : frames) {
        expectedFrames.add(hex(frame));
      }
      Outcome expected = new Outcome(expectedFrames, END);
      String context = name + ", seed=" + seed + " (rerun with -Dframing.seed=" + BASE_SEED + "), input="
          + hex(input);

      check(spec, input, new int[] {input.length}, null, expected, context + ", one write");
      check(spec, input, fixedCuts(input.length, 1), null, expected, context + ", byte by byte");
      int maxSize = input.length <= ALL_CHUNK_SIZES_UP_TO ? 2 * input.length : 64;
      for (int size = 1; size <= maxSize; size++) {
        check(spec, input, fixedCuts(input.length, size), null, expected, context + ", chunk size " + size);
      }
      for (int run = 0; run < RANDOM_CUT_RUNS; run++) {
        int[] chunks = randomCuts(input.length, random);
        check(spec, input, chunks, null, expected, context + ", chunks " + Arrays.toString(chunks));
      }
      for (int run = 0; run < PAUSE_RUNS; run++) {
        long pauseSeed = random.nextLong();
        int[] chunks = randomCuts(input.length, random);
        check(spec, input, chunks, new Random(pauseSeed), expected,
            context + ", chunks " + Arrays.toString(chunks) + ", with pauses (pause seed " + pauseSeed + ")");
      }
    }
  }

  /**
   * A stream cut off anywhere, then ended: whatever the chunking and the pauses, the frames and the end (a last
   * line for lines, else a truncated-frame error unless the cut falls between frames) are those of one write.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void everyChunkingOfACutOffStreamEndsTheSameWay(String name, FramingSpec spec, Codec codec) {
    long caseSeed = BASE_SEED ^ name.hashCode() ^ 0x5eedL;
    for (int list = 0; list < LISTS_PER_CASE; list++) {
      long seed = caseSeed + list;
      Random random = new Random(seed);
      byte[] whole = codec.encode(randomList(codec, random), random);
      for (int cut = 0; cut < CUTS_PER_LIST; cut++) {
        byte[] input = Arrays.copyOf(whole, random.nextInt(whole.length + 1));
        String context = name + ", seed=" + seed + " (rerun with -Dframing.seed=" + BASE_SEED + "), input="
            + hex(input);
        Outcome expected = run(spec, input, new int[] {input.length}, null);
        if (spec.kind() != FramingKind.LINES) {
          assertThat(expected.end()).as(context).matches(END + "|" + BAD_FRAME + ": stream ended .*");
        }
        check(spec, input, fixedCuts(input.length, 1), null, expected, context + ", byte by byte");
        for (int size = 2; size <= Math.min(input.length + 1, CUT_CHUNK_SIZES_UP_TO); size++) {
          check(spec, input, fixedCuts(input.length, size), null, expected, context + ", chunk size " + size);
        }
        for (int run = 0; run < CUT_RANDOM_RUNS; run++) {
          long pauseSeed = random.nextLong();
          int[] chunks = randomCuts(input.length, random);
          check(spec, input, chunks, run % 2 == 0 ? null : new Random(pauseSeed), expected,
              context + ", chunks " + Arrays.toString(chunks) + (run % 2 == 0 ? "" : ", pause seed " + pauseSeed));
        }
      }
    }
  }

  private static List<byte[]> randomList(Codec codec, Random random) {
    int count = random.nextInt(4) == 0 ? random.nextInt(3) : random.nextInt(13);
    List<byte[]> frames = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      frames.add(codec.frame(random));
    }
    return frames;
  }

  private static void check(FramingSpec spec, byte[] input, int[] chunks, Random pauses, Outcome expected,
      String context) {
    Outcome actual = run(spec, input, chunks, pauses);
    if (!actual.equals(expected)) {
      assertThat(actual).as(context).isEqualTo(expected);
    }
  }

  /**
   * Feeds input cut into chunks of the given sizes, then ends the stream; with pauses != null, pauses and resumes
   * randomly (also inside onFrame, and ends from inside onFrame or while paused), finally resuming until the end
   * took effect. The recorder fails on anything delivered while it paused the framer, or after the end.
   */
  private static Outcome run(FramingSpec spec, byte[] input, int[] chunks, Random pauses) {
    FramingFixtures.Recorder sink = new FramingFixtures.Recorder();
    Framer framer = sink.attach(spec);
    boolean[] lastChunkFed = {false};
    boolean endInsideOnFrame = pauses != null && pauses.nextInt(4) == 0;
    if (pauses != null) {
      sink.onFrameHook = (f, frame) -> {
        if (endInsideOnFrame && lastChunkFed[0]) {
          f.end();
        }
        int dice = pauses.nextInt(10);
        if (dice < 3) {
          sink.pause();
        } else if (dice == 3) {
          sink.pause();
          sink.resume();
        }
      };
    }
    int offset = 0;
    for (int i = 0; i < chunks.length; i++) {
      lastChunkFed[0] = i == chunks.length - 1;
      framer.handle(Buffer.buffer(Arrays.copyOfRange(input, offset, offset + chunks[i])));
      offset += chunks[i];
      if (pauses != null) {
        if (sink.paused) {
          if (pauses.nextBoolean()) {
            sink.resume();
          }
        } else if (pauses.nextInt(5) == 0) {
          sink.pause();
        }
      }
    }
    framer.end();
    framer.handle(Buffer.buffer("ignored after the end\n"));
    framer.end();
    int guard = 0;
    while (sink.paused && guard++ < 10_000) {
      sink.resume();
    }
    // Plain checks: this runs a few hundred thousand times.
    if (framer.hasPartialFrame()) {
      throw new AssertionError("partial frame after the end");
    }
    if (sink.errors.size() + sink.ends != 1) {
      throw new AssertionError("not exactly one of error and end: " + sink.errors + ", ends=" + sink.ends);
    }
    String end = sink.ends == 1 ? END : sink.errors.get(0).kind() + ": " + sink.errors.get(0).getMessage();
    return new Outcome(sink.hexFrames(), end);
  }

  /** The frames delivered, then how the stream ended: {@link #END} or the framing error. */
  private record Outcome(List<String> frames, String end) {
  }

  private static int[] fixedCuts(int length, int size) {
    if (length == 0) {
      return new int[] {0};
    }
    int[] chunks = new int[(length + size - 1) / size];
    for (int i = 0; i < chunks.length; i++) {
      chunks[i] = Math.min(size, length - i * size);
    }
    return chunks;
  }

  private static int[] randomCuts(int length, Random random) {
    int pieces = 1 + random.nextInt(Math.max(1, Math.min(length, 24)));
    int[] points = new int[pieces + 1];
    points[pieces] = length;
    for (int i = 1; i < pieces; i++) {
      points[i] = random.nextInt(length + 1);
    }
    Arrays.sort(points);
    int[] chunks = new int[pieces];
    for (int i = 0; i < pieces; i++) {
      chunks[i] = points[i + 1] - points[i];
    }
    return chunks;
  }

  /** Random frame length biased towards short frames, the limit and empty frames. */
  private static int frameLength(Random random, int max) {
    int dice = random.nextInt(10);
    if (dice == 0) {
      return 0;
    }
    if (dice == 1) {
      return max;
    }
    if (dice < 5) {
      return random.nextInt(max + 1);
    }
    return random.nextInt(Math.min(max, 8) + 1);
  }

  private static byte[] fromAlphabet(Random random, byte[] alphabet, int length) {
    byte[] out = new byte[length];
    for (int i = 0; i < length; i++) {
      out[i] = alphabet[random.nextInt(alphabet.length)];
    }
    return out;
  }

  private static Codec linesCodec() {
    FrameGenerator frames = linesFrames(true);
    return new Codec() {
      @Override
      public byte[] frame(Random random) {
        return frames.frame(random);
      }

      @Override
      public byte[] encode(List<byte[]> list, Random random) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] frame : list) {
          out.write(frame, 0, frame.length);
          boolean endsWithCr = frame.length > 0 && frame[frame.length - 1] == '\r';
          if (endsWithCr || random.nextBoolean()) {
            out.write('\r');
          }
          out.write('\n');
        }
        return out.toByteArray();
      }
    };
  }

  /** Lines never contain LF; with LF-only terminators they must not end with CR (it would be stripped). */
  private static FrameGenerator linesFrames(boolean mayEndWithCr) {
    byte[] alphabet = {'a', 'b', '\r', '\r', ' ', 0, (byte) 0xff, (byte) 0x8a};
    return random -> {
      byte[] frame = fromAlphabet(random, alphabet, frameLength(random, MAX_FRAME));
      if (!mayEndWithCr && frame.length > 0 && frame[frame.length - 1] == '\r') {
        frame[frame.length - 1] = 'z';
      }
      return frame;
    };
  }

  /** Frames built from the delimiter's own bytes (to provoke partial matches) but never containing it early. */
  private static FrameGenerator delimitedFrames(byte[] delimiter) {
    byte[] alphabet = Arrays.copyOf(delimiter, delimiter.length + 2);
    alphabet[delimiter.length] = 'x';
    alphabet[delimiter.length + 1] = (byte) 0xfe;
    return random -> {
      byte[] frame = fromAlphabet(random, alphabet, frameLength(random, MAX_FRAME));
      int length = frame.length;
      while (firstMatch(frame, length, delimiter) != length) {
        length--;
      }
      return Arrays.copyOf(frame, length);
    };
  }

  /** Index of the first delimiter occurrence in frame[0..length) followed by the delimiter. */
  private static int firstMatch(byte[] frame, int length, byte[] delimiter) {
    byte[] stream = Arrays.copyOf(frame, length + delimiter.length);
    System.arraycopy(delimiter, 0, stream, length, delimiter.length);
    outer:
    for (int i = 0; i <= length; i++) {
      for (int j = 0; j < delimiter.length; j++) {
        if (stream[i + j] != delimiter[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private static FrameGenerator fixedFrames(int size) {
    return random -> {
      byte[] frame = new byte[size];
      random.nextBytes(frame);
      return frame;
    };
  }

  private static FrameGenerator randomFrames() {
    return random -> {
      byte[] frame = new byte[frameLength(random, MAX_FRAME)];
      random.nextBytes(frame);
      return frame;
    };
  }

  /** Encodes each frame with spec.encodeReply, which is what a peer speaking the same framing sends. */
  private static Codec replyCodec(FramingSpec spec, FrameGenerator frames) {
    return new Codec() {
      @Override
      public byte[] frame(Random random) {
        return frames.frame(random);
      }

      @Override
      public byte[] encode(List<byte[]> list, Random random) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] frame : list) {
          byte[] wire = spec.encodeReply(Buffer.buffer(frame)).getBytes();
          out.write(wire, 0, wire.length);
        }
        return out.toByteArray();
      }

      @Override
      public String toString() {
        return spec.toString();
      }
    };
  }

  /** Generates one valid frame. */
  private interface FrameGenerator {
    byte[] frame(Random random);
  }
}
