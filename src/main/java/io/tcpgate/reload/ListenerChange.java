package io.tcpgate.reload;

import io.tcpgate.config.ListenerConfig;

import java.util.List;

/**
 * How a reload changes one listener, matched by name between the running and the new configuration.
 *
 * @param name   the listener's name
 * @param kind   what has to happen
 * @param before its running configuration ({@code null} when added)
 * @param after  its new configuration ({@code null} when removed)
 * @param keys   the configuration keys that differ, in declaration order
 */
public record ListenerChange(String name, Kind kind, ListenerConfig before, ListenerConfig after, List<String> keys) {

  /** What a change takes. */
  public enum Kind {
    /** A new listener: bound, then its broadcasts routed. */
    ADDED,
    /** A listener no longer configured: it stops accepting and drains as at shutdown. */
    REMOVED,
    /**
     * Applied to the running listener: from each connection's next frame, or from the next accept (framing, body
     * type and reply mode apply to new connections only).
     */
    IN_PLACE,
    /**
     * A new generation on the same listening socket (instances, PROXY protocol on or off, TLS handshake deadline):
     * its instances share the socket with the old ones, which then drain.
     */
    SAME_SOCKET,
    /** A new generation on a new socket (host, port or family changed): bound first, then the old one drains. */
    NEW_SOCKET
  }

  /** One line for the reload's log: {@code listener 'echo': in place (requestTimeoutMs, errorTemplate)}. */
  public String describe() {
    String what = switch (kind) {
      case ADDED -> "added on " + after.hostAndPort(after.port());
      case REMOVED -> "removed (draining)";
      case IN_PLACE -> "changed in place";
      case SAME_SOCKET -> "new generation on the same socket";
      case NEW_SOCKET -> "new generation on " + after.hostAndPort(after.port()) + ", old one draining";
    };
    return "listener '" + name + "': " + what + (keys.isEmpty() ? "" : " " + keys);
  }
}
