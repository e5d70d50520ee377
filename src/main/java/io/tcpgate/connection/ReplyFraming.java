package io.tcpgate.connection;

import io.tcpgate.bus.ErrorCode;
import io.tcpgate.bus.ErrorReplyTemplate;
import io.tcpgate.framing.FramingException;
import io.tcpgate.framing.FramingSpec;
import io.vertx.core.buffer.Buffer;

import java.util.EnumMap;
import java.util.Map;

/**
 * Replies as one framing writes them, with one error template: a payload framed, and the error replies framed once
 * for the codes without a message. A connection keeps the framing it was accepted with while a reload may change
 * the template, so each connection's reply framing is this pair. Immutable, shared across threads.
 */
final class ReplyFraming {

  private final FramingSpec framing;
  private final ErrorReplyTemplate errors;
  private final Map<ErrorCode, Buffer> framedErrors = new EnumMap<>(ErrorCode.class);

  ReplyFraming(FramingSpec framing, String errorTemplate) {
    this.framing = framing;
    this.errors = new ErrorReplyTemplate(errorTemplate);
    for (ErrorCode code : ErrorCode.values()) {
      framedErrors.put(code, frame(errors.render(code, null)));
    }
  }

  FramingSpec framing() {
    return framing;
  }

  /** {@code payload} framed; a payload the framing cannot carry becomes {@code ERR reply-too-large}. */
  Buffer frame(Buffer payload) {
    try {
      return framing.encodeReply(payload);
    } catch (FramingException e) {
      return framing.encodeReply(errors.render(ErrorCode.REPLY_TOO_LARGE, null));
    }
  }

  /** The framed error reply for {@code code} with no message; the same buffer every time, never written to. */
  Buffer error(ErrorCode code) {
    return framedErrors.get(code);
  }

  /** The framed error reply for {@code code} with {@code message}. */
  Buffer error(ErrorCode code, String message) {
    return message == null ? error(code) : frame(errors.render(code, message));
  }
}
