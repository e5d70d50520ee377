package io.tcpgate.framing;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.parsetools.RecordParser;

import java.nio.ByteOrder;

/** Framer for {@link FramingKind#LENGTH_PREFIXED}: alternates fixed-size header and payload records. */
final class LengthPrefixedFramer extends Framer {

  /** What the parser's next fixed-size record is. */
  private enum State {
    HEADER,
    PAYLOAD
  }

  private final int headerBytes;
  private final boolean littleEndian;
  private final boolean lengthIncludesHeader;
  private State state = State.HEADER;

  LengthPrefixedFramer(int headerBytes, ByteOrder order, boolean lengthIncludesHeader, int maxFrameBytes,
      FrameSink sink) {
    super(RecordParser.newFixed(headerBytes), sink, maxFrameBytes, -1);
    this.headerBytes = headerBytes;
    this.littleEndian = order == ByteOrder.LITTLE_ENDIAN;
    this.lengthIncludesHeader = lengthIncludesHeader;
  }

  @Override
  void onRecord(Buffer record) {
    consumed(record.length());
    switch (state) {
      case HEADER:
        onHeader(record);
        break;
      case PAYLOAD:
        state = State.HEADER;
        parser().fixedSizeMode(headerBytes);
        emit(record);
        break;
      default:
        throw new IllegalStateException("unexpected state " + state);
    }
  }

  @Override
  int incompleteFrameConsumedBytes() {
    return state == State.PAYLOAD ? headerBytes : 0;
  }

  private void onHeader(Buffer header) {
    long value = readLength(header);
    long payloadLength = value;
    if (lengthIncludesHeader) {
      if (value < headerBytes) {
        fail(new FramingException(FramingException.Kind.BAD_FRAME, "length header value (" + value
            + ") is smaller than the header itself (" + headerBytes + " bytes)"));
        return;
      }
      payloadLength -= headerBytes;
    }
    if (payloadLength > maxFrameBytes()) {
      fail(FramingException.frameTooLarge(payloadLength, maxFrameBytes()));
      return;
    }
    if (payloadLength == 0) {
      emit(truncate(header, 0));
      return;
    }
    state = State.PAYLOAD;
    parser().fixedSizeMode((int) payloadLength);
  }

  private long readLength(Buffer header) {
    switch (headerBytes) {
      case 1:
        return header.getUnsignedByte(0);
      case 2:
        return littleEndian ? header.getUnsignedShortLE(0) : header.getUnsignedShort(0);
      case 4:
        return littleEndian ? header.getUnsignedIntLE(0) : header.getUnsignedInt(0);
      default:
        throw new IllegalStateException("unsupported header width " + headerBytes);
    }
  }
}
