package io.tcpgate.bench;

import io.vertx.core.buffer.Buffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.util.concurrent.TimeUnit;

/**
 * The floor for {@link FramerBenchmark}: only copying each frame out of the stream into its own Vert.x
 * {@link Buffer} ({@code getBuffer(from, to)}, as RecordParser does), with no framing logic. Its
 * {@code gc.alloc.rate.norm} is the "frame's own buffer" cost; whatever a framer allocates beyond it is overhead.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class FrameCopyBaseline {

  @Param({"32"})
  public int size;

  private Buffer stream;

  @Setup
  public void setUp() {
    stream = Buffer.buffer(FramerBenchmark.FRAMES * size);
    for (int i = 0; i < FramerBenchmark.FRAMES * size; i++) {
      stream.appendByte((byte) ('a' + (i % 26)));
    }
  }

  @Benchmark
  @OperationsPerInvocation(FramerBenchmark.FRAMES)
  public void copyOnly(Blackhole blackhole) {
    for (int i = 0, from = 0; i < FramerBenchmark.FRAMES; i++, from += size) {
      blackhole.consume(stream.getBuffer(from, from + size));
    }
  }
}
