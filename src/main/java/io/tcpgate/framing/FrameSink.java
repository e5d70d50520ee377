package io.tcpgate.framing;

import io.vertx.core.buffer.Buffer;

/**
 * What a {@link Framer} tells its owner.
 *
 * <p>Both methods are called synchronously on the thread that fed the framer (the connection's event loop), from
 * inside {@link Framer#handle(Buffer)} or {@link Framer#resume()}. Implementations must not throw: an exception
 * propagates to the caller of {@code handle}/{@code resume} and leaves the framer in an unspecified state.
 */
public interface FrameSink {

  /**
   * Receives one complete frame.
   *
   * <p>The buffer holds the payload only (no delimiter, no trailing CR for lines, no length header). It is a fresh
   * buffer owned by the sink from now on: the framer keeps no reference to it, so it may be retained, sliced or
   * appended to. The sink may call {@link Framer#pause()} (no further frame is delivered until
   * {@link Framer#resume()}) or {@link Framer#resume()} from here.
   *
   * @param frame the frame payload, possibly empty
   */
  void onFrame(Buffer frame);

  /**
   * Reports that the peer sent input that cannot be framed. Called at most once per framer; afterwards the framer
   * emits nothing more and ignores further input. Frames that were complete before the offending one have already
   * been delivered through {@link #onFrame(Buffer)}, in order.
   *
   * @param error the typed error; {@code error.kind().code()} is the wire error code
   */
  void onFramingError(FramingException error);
}
