package io.tcpgate.framing;

import io.vertx.core.buffer.Buffer;

/**
 * What a {@link Framer} tells its owner: frames, in order, then at most one of {@link #onFramingError} or
 * {@link #onEndOfStream}.
 *
 * <p>Every method is called synchronously on the thread that fed the framer (the connection's event loop), from
 * inside {@link Framer#handle(Buffer)}, {@link Framer#resume()} or {@link Framer#end()}. Implementations must not
 * throw: an exception propagates to that caller and leaves the framer in an unspecified state.
 */
public interface FrameSink {

  /**
   * Receives one complete frame.
   *
   * <p>The buffer holds the payload only (no delimiter, no trailing CR for lines, no length header). It is a fresh
   * buffer owned by the sink from now on: the framer keeps no reference to it, so it may be retained, sliced or
   * appended to. The sink may call {@link Framer#pause()} (no further frame, nor the end of stream, is delivered
   * until {@link Framer#resume()}), {@link Framer#resume()} or {@link Framer#end()} from here.
   *
   * @param frame the frame payload, possibly empty
   */
  void onFrame(Buffer frame);

  /**
   * Reports that the peer sent input that cannot be framed, or that the stream ended inside a frame. Called at most
   * once per framer; afterwards the framer emits nothing more, ignores further input and never calls
   * {@link #onEndOfStream()}. Frames that were complete before the offending one have already been delivered
   * through {@link #onFrame(Buffer)}, in order.
   *
   * @param error the typed error; {@code error.kind().code()} is the wire error code
   */
  void onFramingError(FramingException error);

  /**
   * Reports that the stream ended cleanly after {@link Framer#end()}: every frame, including a last unterminated
   * line for lines framing, has been delivered and no bytes of a frame are left over. Called at most once, never
   * after {@link #onFramingError(FramingException)}, and only while the framer is not paused; afterwards the framer
   * does nothing more.
   */
  void onEndOfStream();
}
