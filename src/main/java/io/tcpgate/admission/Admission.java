package io.tcpgate.admission;

import io.vertx.core.net.NetSocket;

/**
 * Sees every connection a listener accepts before any per-connection state exists, and decides whether it may stay.
 * One instance per listener, shared by the listener's NetServer instances (so any thread may call it).
 */
public interface Admission {

  /**
   * A connection let in. The connection releases its ticket exactly once, when it closes, so that what the
   * admission counts per listener or per client shrinks again.
   */
  interface Ticket {

    /** The connection closed. */
    void release();
  }

  /** Lets every connection in: the admission of a listener without limits. */
  Admission ADMIT_ALL = socket -> () -> {
  };

  /**
   * Decides on a connection just accepted.
   *
   * @return the connection's ticket, or {@code null} when it is refused, in which case the admission has already
   *         closed the socket
   */
  Ticket admit(NetSocket socket);
}
