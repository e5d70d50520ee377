package io.tcpgate.listener;

/** A listener could not be bound as configured; the message names the listener, host, port and the OS reason. */
public final class BindException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String listener;

  public BindException(String listener, String message, Throwable cause) {
    super(message, cause);
    this.listener = listener;
  }

  /** The OS reason of a bind failure: the message of its innermost cause (e.g. "Address already in use"). */
  public static String osReason(Throwable err) {
    Throwable t = err;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }

  /** The listener's name. */
  public String listener() {
    return listener;
  }
}
