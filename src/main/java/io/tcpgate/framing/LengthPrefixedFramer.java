package io.tcpgate.framing;

import io.tcpgate.internal.Buffers;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.parsetools.RecordParser;

import java.nio.ByteOrder;

/**
 * Framer for {@link FramingKind#LENGTH_PREFIXED}: alternates fixed-size header and payload records, or, when the
 * next header can be read ahead from the chunk being handled, cuts header and payload as one record and drops the
 * header in place (so no buffer is allocated for the header).
 */
final class LengthPrefixedFramer extends Framer {

  /** What the parser's next fixed-size record is. */
  private enum State {
    HEADER,
    PAYLOAD,
    /** A header, already read ahead and valid, followed by its payload. */
    FRAME
  }

  private final int headerBytes;
  private final boolean littleEndian;
  private final boolean lengthIncludesHeader;
  private State state = State.HEADER;
  /** The payload length of the frame being read (states PAYLOAD and FRAME). */
  private int payloadLength;

  LengthPrefixedFramer(int headerBytes, ByteOrder order, boolean lengthIncludesHeader, int maxFrameBytes,
      FrameSink sink) {
    super(RecordParser.newFixed(headerBytes), sink, maxFrameBytes);
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
        nextRecord();
        emit(record);
        break;
      case FRAME:
        nextRecord();
        emit(Buffers.dropPrefix(record, headerBytes));
        break;
      default:
        throw new IllegalStateException("unexpected state " + state);
    }
  }

  @Override
  void beforeParse() {
    // The parser holds no bytes (the chunk starts at a frame boundary), so its mode may be changed.
    if (state == State.HEADER && chunkIndex(consumedOffset(), headerBytes) == 0) {
      readAhead();
    }
  }

  @Override
  int incompleteFrameConsumedBytes() {
    return state == State.PAYLOAD ? headerBytes : 0;
  }

  @Override
  long tailOverhead() {
    return state == State.PAYLOAD ? 0 : headerBytes;
  }

  @Override
  FramingException endOfStream(long buffered) {
    switch (state) {
      case HEADER:
        return FramingException.endedInsideHeader(buffered, headerBytes);
      case PAYLOAD:
        return FramingException.endedInsideFrame(buffered, payloadLength);
      case FRAME:
        return FramingException.endedInsideFrame(buffered - headerBytes, payloadLength);
      default:
        throw new IllegalStateException("unexpected state " + state);
    }
  }

  private void onHeader(Buffer header) {
    long value = readLength(header, 0);
    long length = announcedPayload(value);
    if (length < 0) {
      fail(new FramingException(FramingException.Kind.BAD_FRAME, "length header value (" + value
          + ") is smaller than the header itself (" + headerBytes + " bytes)"));
      return;
    }
    if (!announce(length)) {
      return;
    }
    if (length == 0) {
      nextRecord();
      emit(Buffers.truncate(header, 0));
      return;
    }
    state = State.PAYLOAD;
    payloadLength = (int) length;
    parser().fixedSizeMode(payloadLength);
  }

  /** Sets the parser up for the record after the one just cut, which ended a frame. */
  private void nextRecord() {
    if (!readAhead()) {
      state = State.HEADER;
      parser().fixedSizeMode(headerBytes);
    }
  }

  /**
   * Reads the header that starts at the consumed offset from the chunk being handled, if it lies wholly there and
   * is valid, and then makes the parser cut header and payload as one record. Otherwise (header not readable here,
   * or invalid: the header record path reports the error, in the same order as before) changes nothing.
   */
  private boolean readAhead() {
    int index = chunkIndex(consumedOffset(), headerBytes);
    if (index < 0) {
      return false;
    }
    long length = announcedPayload(readLength(chunk(), index));
    if (length < 0 || !withinCap(length) || length > Integer.MAX_VALUE - headerBytes) {
      return false;
    }
    state = State.FRAME;
    payloadLength = (int) length;
    parser().fixedSizeMode(headerBytes + payloadLength);
    return true;
  }

  /** The payload length a header value announces, or -1 when the value is smaller than the header it counts. */
  private long announcedPayload(long value) {
    if (!lengthIncludesHeader) {
      return value;
    }
    return value < headerBytes ? -1 : value - headerBytes;
  }

  private long readLength(Buffer buffer, int index) {
    switch (headerBytes) {
      case 1:
        return buffer.getUnsignedByte(index);
      case 2:
        return littleEndian ? buffer.getUnsignedShortLE(index) : buffer.getUnsignedShort(index);
      case 4:
        return littleEndian ? buffer.getUnsignedIntLE(index) : buffer.getUnsignedInt(index);
      default:
        throw new IllegalStateException("unsupported header width " + headerBytes);
    }
  }
}
