package io.tcpgate.framing;

import io.tcpgate.internal.Buffers;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.parsetools.RecordParser;

/**
 * Framer for {@link FramingKind#LINES} (LF, CR stripped, a last unterminated line is a frame at end of stream) and
 * {@link FramingKind#DELIMITER} (any delimiter; an unterminated rest is a truncated frame at end of stream).
 */
final class DelimitedFramer extends Framer {

  private final byte[] delimiter;
  private final boolean lines;
  private final long tailOverhead;

  DelimitedFramer(byte[] delimiter, boolean lines, int maxFrameBytes, FrameSink sink) {
    super(RecordParser.newDelimited(Buffer.buffer(delimiter)), sink, maxFrameBytes);
    this.delimiter = delimiter;
    this.lines = lines;
    this.tailOverhead = delimiter.length - 1 + (lines ? 1 : 0);
  }

  @Override
  void onRecord(Buffer record) {
    int length = record.length();
    consumed((long) length + delimiter.length);
    if (lines && length > 0 && record.getByte(length - 1) == '\r') {
      emit(Buffers.truncate(record, length - 1));
    } else {
      emit(record);
    }
  }

  @Override
  long tailOverhead() {
    return tailOverhead;
  }

  @Override
  FramingException endOfStream(long buffered) {
    if (!lines) {
      return FramingException.endedBeforeDelimiter(buffered);
    }
    // The buffered rest holds no LF (the parser delivered every line), so a terminator cuts it as the last line.
    feedSynthetic(Buffer.buffer(delimiter));
    return null;
  }
}
