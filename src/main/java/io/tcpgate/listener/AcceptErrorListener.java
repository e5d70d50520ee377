package io.tcpgate.listener;

/** Told about every failed {@code accept()} on a listening socket. */
@FunctionalInterface
public interface AcceptErrorListener {

  /**
   * An accept failed on the listening socket bound to {@code localPort}; accepting resumes by itself.
   * Called on an acceptor thread: must not block.
   */
  void acceptFailed(int localPort, Throwable cause);
}
