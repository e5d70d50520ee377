package io.tcpgate.connection;

/**
 * Where a listener's connections report its frames in flight, so that accepting can stop while the listener is
 * saturated and resume once it is not ({@code overload.stopAccepting}). Thread-safe: every event loop of the listener
 * reports.
 */
public interface AcceptControl {

  /** Accepting never stops. */
  AcceptControl ALWAYS = inFlight -> { };

  /** The listener now has {@code inFlight} frames awaiting their reply. */
  void inFlight(long inFlight);
}
