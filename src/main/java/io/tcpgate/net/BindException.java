package io.tcpgate.net;

/** A listener could not be bound as configured; the message names the listener, host, port and the OS reason. */
public final class BindException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String listener;

  public BindException(String listener, String message, Throwable cause) {
    super(message, cause);
    this.listener = listener;
  }

  /** The listener's name. */
  public String listener() {
    return listener;
  }
}
