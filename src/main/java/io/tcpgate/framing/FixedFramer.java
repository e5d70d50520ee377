package io.tcpgate.framing;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.parsetools.RecordParser;

/** Framer for {@link FramingKind#FIXED}: every record is exactly frameBytes long (at most the cap, by its spec). */
final class FixedFramer extends Framer {

  private final int frameBytes;

  FixedFramer(int frameBytes, int maxFrameBytes, FrameSink sink) {
    super(RecordParser.newFixed(frameBytes), sink, maxFrameBytes);
    this.frameBytes = frameBytes;
  }

  @Override
  void onRecord(Buffer record) {
    consumed(frameBytes);
    emit(record);
  }

  @Override
  long tailOverhead() {
    return 0;
  }

  @Override
  FramingException endOfStream(long buffered) {
    return FramingException.endedInsideFrame(buffered, frameBytes);
  }
}
