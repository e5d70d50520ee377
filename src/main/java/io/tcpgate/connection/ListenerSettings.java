package io.tcpgate.connection;

import io.tcpgate.config.ListenerConfig;
import io.tcpgate.framing.FramingSpec;

/**
 * One listener configuration as its connections apply it, swapped whole by a reload: the configuration and its
 * replies framed with the listener's framing. A connection reads the current settings at each frame, so changed
 * timeouts, limits, templates, address and dispatch apply from its next frame, while it keeps the framing, body type
 * and reply mode it was accepted with. Immutable.
 */
public final class ListenerSettings {

  private final ListenerConfig config;
  private final ReplyFraming replies;

  ListenerSettings(ListenerConfig config) {
    this.config = config;
    this.replies = new ReplyFraming(config.framing(), config.errorTemplate());
  }

  public ListenerConfig config() {
    return config;
  }

  /** Replies framed with {@code framing} (a connection's own) and this configuration's error template. */
  ReplyFraming replies(FramingSpec framing) {
    return framing.equals(replies.framing()) ? replies : new ReplyFraming(framing, config.errorTemplate());
  }

  /** Replies framed with this configuration's framing. */
  ReplyFraming replies() {
    return replies;
  }
}
