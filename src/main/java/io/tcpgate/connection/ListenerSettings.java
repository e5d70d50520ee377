package io.tcpgate.connection;

import io.tcpgate.config.ListenerConfig;
import io.tcpgate.framing.FramingSpec;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One listener configuration as its connections apply it, swapped whole by a reload: the configuration and its
 * replies framed with the listener's framing. A connection reads the current settings at each frame, so changed
 * timeouts, limits, templates, address and dispatch apply from its next frame, while it keeps the framing, body type
 * and reply mode it was accepted with. One per listener and configuration, shared by its instances; thread-safe.
 */
public final class ListenerSettings {

  private final ListenerConfig config;
  private final ReplyFraming replies;
  /** The replies of connections accepted with an earlier framing, built once per framing. */
  private final Map<FramingSpec, ReplyFraming> earlierFramings = new ConcurrentHashMap<>(2);

  private ListenerSettings(ListenerConfig config) {
    this.config = config;
    this.replies = new ReplyFraming(config.framing(), config.errorTemplate());
  }

  /** The settings of {@code config}. */
  public static ListenerSettings of(ListenerConfig config) {
    return new ListenerSettings(config);
  }

  public ListenerConfig config() {
    return config;
  }

  /** Replies framed with {@code framing} (a connection's own) and this configuration's error template. */
  ReplyFraming replies(FramingSpec framing) {
    return framing.equals(replies.framing()) ? replies
      : earlierFramings.computeIfAbsent(framing, f -> new ReplyFraming(f, config.errorTemplate()));
  }

  /** Replies framed with this configuration's framing. */
  ReplyFraming replies() {
    return replies;
  }
}
