package io.tcpgate.bus;

import io.vertx.core.buffer.Buffer;

/** Renders an error reply from a listener's template with {@code {code}} and {@code {message}} placeholders. */
public final class ErrorReplyTemplate {

  private final String template;

  public ErrorReplyTemplate(String template) {
    this.template = template;
  }

  /** The error reply's payload (not yet framed); trailing spaces left by an empty message are dropped. */
  public Buffer render(ErrorCode code, String message) {
    String text = template.replace("{code}", code.code())
      .replace("{message}", message == null ? "" : sanitize(message));
    return Buffer.buffer(text.stripTrailing());
  }

  private static String sanitize(String message) {
    return message.replace('\r', ' ').replace('\n', ' ');
  }
}
