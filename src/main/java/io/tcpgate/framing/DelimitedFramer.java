package io.tcpgate.framing;

import io.tcpgate.internal.Buffers;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.parsetools.RecordParser;

/** Framer for {@link FramingKind#LINES} and {@link FramingKind#DELIMITER}: delimited records, optional CR strip. */
final class DelimitedFramer extends Framer {

  private final int delimiterLength;
  private final boolean stripCr;

  DelimitedFramer(byte[] delimiter, boolean stripCr, int maxFrameBytes, FrameSink sink) {
    super(RecordParser.newDelimited(Buffer.buffer(delimiter)), sink, maxFrameBytes,
        delimiter.length - 1 + (stripCr ? 1 : 0));
    this.delimiterLength = delimiter.length;
    this.stripCr = stripCr;
  }

  @Override
  void onRecord(Buffer record) {
    int length = record.length();
    consumed((long) length + delimiterLength);
    boolean cr = stripCr && length > 0 && record.getByte(length - 1) == '\r';
    if (cr) {
      length--;
    }
    if (length > maxFrameBytes()) {
      fail(FramingException.frameTooLarge(length, maxFrameBytes()));
      return;
    }
    emit(cr ? Buffers.truncate(record, length) : record);
  }
}
