package io.tcpgate.internal;

import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.buffer.impl.BufferImpl;

/**
 * In-place edits of a {@link Buffer} through Vert.x's implementation class {@link BufferImpl}, the one place outside
 * Vert.x that depends on it. For another {@code Buffer} implementation each method falls back to a copy.
 */
public final class Buffers {

  private Buffers() {
  }

  /**
   * Shortens a buffer the caller owns, in place when possible.
   *
   * @param buffer the buffer; not shared with anyone else
   * @param length the new length, {@code 0 <= length <= buffer.length()}
   * @return {@code buffer} itself, shortened, or a copy of its first {@code length} bytes
   */
  public static Buffer truncate(Buffer buffer, int length) {
    if (buffer instanceof BufferImpl) {
      ((BufferImpl) buffer).byteBuf().writerIndex(length);
      return buffer;
    }
    return buffer.getBuffer(0, length);
  }

  /**
   * Removes the first bytes of a buffer the caller owns, in place when possible (moving the rest to the front).
   *
   * @param buffer the buffer; not shared with anyone else
   * @param prefix how many bytes to remove, {@code 0 <= prefix <= buffer.length()}
   * @return {@code buffer} itself without its first {@code prefix} bytes, or a copy of the rest
   */
  public static Buffer dropPrefix(Buffer buffer, int prefix) {
    if (buffer instanceof BufferImpl) {
      ByteBuf buf = ((BufferImpl) buffer).byteBuf();
      if (buf.hasArray()) {
        int length = buf.readableBytes() - prefix;
        int base = buf.arrayOffset() + buf.readerIndex();
        byte[] array = buf.array();
        System.arraycopy(array, base + prefix, array, base, length);
        buf.writerIndex(buf.readerIndex() + length);
        return buffer;
      }
    }
    return buffer.getBuffer(prefix, buffer.length());
  }
}
