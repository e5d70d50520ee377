package io.tcpgate.connection;

/**
 * The life of a connection. {@link Connection} is the one policy point that decides, for each state, what a frame,
 * reply, error, deadline, end of stream, reset, drain or push does; this enum names the states and which moves between
 * them are allowed.
 *
 * <pre>
 *   OPEN ──client FIN──▶ INPUT_ENDED ──replies written──▶ CLOSING ──▶ CLOSED
 *    │ ╲──shutdown──▶ DRAINING ──replies written──────────▶ CLOSING
 *    │                   │ client FIN ▶ INPUT_ENDED
 *    └─bad frame, frame deadline (also from DRAINING, INPUT_ENDED)──▶ FINISHING ──last reply written──▶ CLOSING
 *   any state ──reset, idle deadline, close──▶ CLOSING / CLOSED
 * </pre>
 */
enum ConnectionState {

  /** Reading frames and answering them. */
  OPEN,
  /**
   * The gateway is shutting down: frames still read get {@code ERR shutting-down}; the connection closes once the
   * frames taken before are answered.
   */
  DRAINING,
  /**
   * The client half-closed (its FIN arrived) and every frame it sent was taken: nothing more is read; the replies
   * are written, then the gateway closes its side.
   */
  INPUT_ENDED,
  /**
   * A last reply (an error such as {@code ERR frame-too-large}) is queued behind the replies in flight; nothing more
   * is read, and the connection closes once it is written.
   */
  FINISHING,
  /** The connection is to close once its last write has left (at most {@link Connection#CLOSE_LINGER_MS}). */
  CLOSING,
  /** Closed; everything it held is released. */
  CLOSED;

  /** Whether frames are read in this state. */
  boolean readsFrames() {
    return this == OPEN || this == DRAINING;
  }

  /** Whether the connection closes by itself once every frame taken is answered. */
  boolean closesWhenAnswered() {
    return this == DRAINING || this == INPUT_ENDED;
  }

  /** Whether a server push may still be written. */
  boolean acceptsPush() {
    return this != CLOSING && this != CLOSED;
  }

  /** Whether the policy may move from this state to {@code next}. */
  boolean canMoveTo(ConnectionState next) {
    switch (this) {
      case OPEN:
        return next != OPEN;
      case DRAINING:
        return next == INPUT_ENDED || next == FINISHING || next == CLOSING || next == CLOSED;
      case INPUT_ENDED:
        return next == FINISHING || next == CLOSING || next == CLOSED;
      case FINISHING:
        return next == CLOSING || next == CLOSED;
      case CLOSING:
        return next == CLOSED;
      case CLOSED:
        return false;
      default:
        return false;
    }
  }
}
