package io.tcpgate.net;

import io.tcpgate.bus.ErrorCode;
import io.tcpgate.bus.ErrorReplyTemplate;
import io.tcpgate.config.ListenerConfig;
import io.tcpgate.framing.FramingException;
import io.tcpgate.metrics.ListenerStats;
import io.vertx.core.buffer.Buffer;

import java.util.EnumMap;
import java.util.Map;

/**
 * What the connections of one listener instance share: its config, its books, its error replies (framed once for
 * the codes without a message), the node's connection registry and request sender, and the instance's idle sweeper.
 */
final class ListenerContext {

  final ListenerConfig config;
  final ListenerStats stats;
  final ErrorReplyTemplate errors;
  final ConnectionRegistry registry;
  final IdleSweeper idleSweeper;
  final RequestSender requests;
  private final Map<ErrorCode, Buffer> framedErrors = new EnumMap<>(ErrorCode.class);

  ListenerContext(ListenerConfig config, ListenerStats stats, ConnectionRegistry registry, IdleSweeper idleSweeper,
                  RequestSender requests) {
    this.config = config;
    this.stats = stats;
    this.errors = new ErrorReplyTemplate(config.errorTemplate());
    this.registry = registry;
    this.idleSweeper = idleSweeper;
    this.requests = requests;
    for (ErrorCode code : ErrorCode.values()) {
      framedErrors.put(code, frame(errors.render(code, null)));
    }
  }

  /** {@code payload} framed for this listener; a payload the framing cannot carry becomes {@code ERR reply-too-large}. */
  Buffer frame(Buffer payload) {
    try {
      return config.framing().encodeReply(payload);
    } catch (FramingException e) {
      return config.framing().encodeReply(errors.render(ErrorCode.REPLY_TOO_LARGE, null));
    }
  }

  /** The framed error reply for {@code code} with no message; the same buffer every time, never written to. */
  Buffer framedError(ErrorCode code) {
    return framedErrors.get(code);
  }

  /** The framed error reply for {@code code} with {@code message}. */
  Buffer framedError(ErrorCode code, String message) {
    return message == null ? framedError(code) : frame(errors.render(code, message));
  }
}
