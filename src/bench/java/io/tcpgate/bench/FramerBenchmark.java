package io.tcpgate.bench;

import io.tcpgate.framing.Framer;
import io.tcpgate.framing.FrameSink;
import io.tcpgate.framing.FramingException;
import io.tcpgate.framing.FramingSpec;
import io.vertx.core.buffer.Buffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Throughput and allocation of every framer kind, one thread (so "frames/s per core").
 *
 * <p>Each invocation feeds a pre-built stream of {@value #FRAMES} frames, cut into {@code chunk}-byte reads (16 KiB
 * by default, what a socket read typically hands over under load; chunks end anywhere, mid-frame included) through
 * one long-lived {@code FramingSpec.newFramer(sink)} framer; the sink hands each frame to a Blackhole. The stream
 * holds whole frames only, so the framer is back at a frame boundary after each invocation and is reused.
 * The score is frames per second ({@code @OperationsPerInvocation}); with {@code -prof gc},
 * {@code gc.alloc.rate.norm} is therefore bytes allocated per frame, and {@code gc.alloc.rate.norm} &times;
 * frames/chunk is what one read costs.
 *
 * <pre>
 * java -cp CP org.openjdk.jmh.Main FramerBenchmark -prof gc            # all four kinds, under a minute
 * java -cp CP org.openjdk.jmh.Main FramerBenchmark -p size=1024 -p kind=lines -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class FramerBenchmark {

  /** Frames per invocation. */
  public static final int FRAMES = 10_000;

  @Param({"lines", "delimiter", "fixed", "length-prefixed"})
  public String kind;

  /** Frame payload bytes. */
  @Param({"32"})
  public int size;

  /** Bytes per read handed to the framer. */
  @Param({"16384"})
  public int chunk;

  private Buffer[] chunks;
  private Framer framer;
  private CountingSink sink;

  @Setup(Level.Trial)
  public void setUp() {
    FramingSpec spec;
    byte[] suffix;
    switch (kind) {
      case "lines":
        spec = FramingSpec.lines(64 * 1024, false);
        suffix = new byte[] {'\n'};
        break;
      case "delimiter":
        spec = FramingSpec.delimiter("\r\n".getBytes(StandardCharsets.US_ASCII), 64 * 1024);
        suffix = new byte[] {'\r', '\n'};
        break;
      case "fixed":
        spec = FramingSpec.fixed(size, 64 * 1024);
        suffix = new byte[0];
        break;
      case "length-prefixed":
        spec = FramingSpec.lengthPrefixed(4, ByteOrder.BIG_ENDIAN, false, 64 * 1024);
        suffix = new byte[0];
        break;
      default:
        throw new IllegalArgumentException("unknown kind " + kind);
    }
    Buffer stream = Buffer.buffer(FRAMES * (size + 4));
    byte[] payload = new byte[size];
    for (int i = 0; i < FRAMES; i++) {
      for (int j = 0; j < size; j++) {
        payload[j] = (byte) ('a' + ((i + j) % 26));
      }
      if (kind.equals("length-prefixed")) {
        stream.appendInt(size);
      }
      stream.appendBytes(payload).appendBytes(suffix);
    }
    List<Buffer> cut = new ArrayList<>();
    for (int from = 0; from < stream.length(); from += chunk) {
      cut.add(stream.getBuffer(from, Math.min(stream.length(), from + chunk)));
    }
    chunks = cut.toArray(new Buffer[0]);
    sink = new CountingSink();
    framer = spec.newFramer(sink);
  }

  @Benchmark
  @OperationsPerInvocation(FRAMES)
  public void frames(Blackhole blackhole) {
    sink.blackhole = blackhole;
    for (Buffer c : chunks) {
      framer.handle(c);
    }
  }

  @TearDown(Level.Trial)
  public void check() {
    if (sink.failure != null) {
      throw new IllegalStateException("framing failed: " + sink.failure.getMessage());
    }
    if (sink.frames == 0 || sink.frames % FRAMES != 0 || sink.wrongSize != 0) {
      throw new IllegalStateException("expected whole multiples of " + FRAMES + " frames of " + size + " bytes, got "
          + sink.frames + " frames, " + sink.wrongSize + " of the wrong size");
    }
  }

  /** Counts frames and hands them to the Blackhole so nothing is optimised away. */
  static final class CountingSink implements FrameSink {
    Blackhole blackhole;
    long frames;
    long wrongSize;
    FramingException failure;
    private int expected = -1;

    @Override
    public void onFrame(Buffer frame) {
      if (expected < 0) {
        expected = frame.length();
      } else if (frame.length() != expected) {
        wrongSize++;
      }
      frames++;
      blackhole.consume(frame);
    }

    @Override
    public void onFramingError(FramingException error) {
      failure = error;
    }

    @Override
    public void onEndOfStream() {
    }
  }
}
