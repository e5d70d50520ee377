package io.tcpgate.bus;

/** The codes of the error replies the gateway writes in a frame's place. */
public enum ErrorCode {
  /** The frame exceeded {@code maxFrameBytes}; the connection is closed after this reply. */
  FRAME_TOO_LARGE("frame-too-large"),
  /** The frame could not be cut (e.g. a length header smaller than itself); the connection is closed. */
  BAD_FRAME("bad-frame"),
  /** A frame began but did not complete within {@code frameTimeoutMs}; the connection is closed. */
  FRAME_TIMEOUT("frame-timeout"),
  /** No consumer is registered at the listener's address. */
  NO_HANDLER("no-handler"),
  /** The handler failed the request; the message carries its failure text. */
  WORKER_FAILED("worker-failed"),
  /** No reply within the request timeout. */
  TIMEOUT("timeout"),
  /** The listener expects JSON objects and the frame is not one. */
  BAD_JSON("bad-json"),
  /** The gateway is draining: frames received after shutdown began are refused. */
  SHUTTING_DOWN("shutting-down"),
  /** A reply could not be framed (e.g. too long for a length header). */
  REPLY_TOO_LARGE("reply-too-large"),
  /**
   * The connection was refused by the listener's admission (with {@code onRefuse: message}); the message is the
   * reason, e.g. {@code max-connections-per-ip}. The connection is closed after this reply, before any frame is read.
   */
  REFUSED("refused"),
  /**
   * The frame was not processed because the gateway is saturated ({@code overload}); the connection stays open.
   * Unlike {@code timeout}, whose outcome is unknown, a busy frame is safe to send again.
   */
  BUSY("busy"),
  /**
   * The connection reached its maximum age: every frame read before was answered, frames not read were not
   * processed (safe to send again, on a new connection); the gateway closes after this reply.
   */
  GOAWAY("goaway");

  private final String code;

  ErrorCode(String code) {
    this.code = code;
  }

  /** The code as written on the wire. */
  public String code() {
    return code;
  }
}
