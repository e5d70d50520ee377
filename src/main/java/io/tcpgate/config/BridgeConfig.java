package io.tcpgate.config;

import io.vertx.core.json.JsonArray;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The event-bus bridge for workers outside the JVM (Node.js, Python, Go): the Vert.x TCP event-bus bridge protocol
 * on its own port, off unless enabled.
 *
 * @param enabled            whether the bridge runs
 * @param host               IP literal to bind; loopback unless configured (a sidecar worker in the same pod)
 * @param port               TCP port; 0 takes an ephemeral port
 * @param inboundPermitted   regexes of the addresses a bridge client may send or publish to (a reply to a request
 *                           it received is always allowed)
 * @param outboundPermitted  regexes of the addresses a bridge client may register for
 * @param maxFrameBytes      the largest bridge frame (its JSON document); a longer length is refused before its bytes
 *                           are buffered, and the connection closed
 * @param idleTimeoutSeconds a bridge client that sends nothing (not even a ping) for this long is disconnected
 * @param requestTimeoutMs   how long a bridge client's own request waits for its reply, unless its headers say
 *                           {@code timeout}
 * @param maxPendingReplies  requests a bridge client holds without replying; more are failed at once
 */
public record BridgeConfig(boolean enabled, String host, int port, List<Pattern> inboundPermitted,
                           List<Pattern> outboundPermitted, int maxFrameBytes, long idleTimeoutSeconds,
                           long requestTimeoutMs, int maxPendingReplies) {

  /** Bridge bind address unless configured: loopback. */
  public static final String DEFAULT_HOST = "127.0.0.1";
  /** Bridge port unless configured. */
  public static final int DEFAULT_PORT = 7010;
  /** The largest bridge frame unless configured: 1 MiB. */
  public static final int DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;
  /** Idle timeout of a bridge client unless configured: 60 s (clients ping to stay connected). */
  public static final long DEFAULT_IDLE_TIMEOUT_SECONDS = 60;
  /** Timeout of a bridge client's own requests unless configured. */
  public static final long DEFAULT_REQUEST_TIMEOUT_MS = 5_000;
  /** Requests a bridge client may hold unanswered unless configured. */
  public static final int DEFAULT_MAX_PENDING_REPLIES = 10_000;
  /** What a bridge client may send or publish to unless configured: pushes and broadcasts. */
  public static final List<String> DEFAULT_INBOUND = List.of("tcpgate\\.push\\..*", "tcpgate\\.broadcast\\..*");

  static final Set<String> KEYS = Set.of("enabled", "host", "port", "inboundPermitted", "outboundPermitted",
    "maxFrameBytes", "idleTimeoutSeconds", "requestTimeoutMs", "maxPendingReplies");

  /** Whether {@code other} configures the same bridge (patterns compared by their text). */
  public boolean sameAs(BridgeConfig other) {
    return enabled == other.enabled && host.equals(other.host) && port == other.port
      && patterns(inboundPermitted).equals(patterns(other.inboundPermitted))
      && patterns(outboundPermitted).equals(patterns(other.outboundPermitted)) && maxFrameBytes == other.maxFrameBytes
      && idleTimeoutSeconds == other.idleTimeoutSeconds && requestTimeoutMs == other.requestTimeoutMs
      && maxPendingReplies == other.maxPendingReplies;
  }

  private static List<String> patterns(List<Pattern> patterns) {
    return patterns.stream().map(Pattern::pattern).toList();
  }

  /** The bridge switched off. */
  public static BridgeConfig disabled() {
    return fromJson(new io.vertx.core.json.JsonObject(), "bridge");
  }

  static BridgeConfig fromJson(Object value, String path) {
    JsonFields f = JsonFields.of(value, path, KEYS);
    String host = f.string("host", DEFAULT_HOST);
    ListenerConfig.parseLiteral(f.child("host"), host);
    return new BridgeConfig(
      f.bool("enabled", false),
      host,
      f.intValue("port", DEFAULT_PORT, 0, 65535),
      patterns(f, "inboundPermitted", DEFAULT_INBOUND),
      patterns(f, "outboundPermitted", List.of()),
      f.intValue("maxFrameBytes", DEFAULT_MAX_FRAME_BYTES, 1, Integer.MAX_VALUE - 8),
      f.longValue("idleTimeoutSeconds", DEFAULT_IDLE_TIMEOUT_SECONDS, 1, Long.MAX_VALUE),
      f.longValue("requestTimeoutMs", DEFAULT_REQUEST_TIMEOUT_MS, 1, Long.MAX_VALUE),
      f.intValue("maxPendingReplies", DEFAULT_MAX_PENDING_REPLIES, 1, 1 << 24));
  }

  private static List<Pattern> patterns(JsonFields f, String key, List<String> defaults) {
    List<String> sources = new ArrayList<>(defaults);
    if (f.has(key)) {
      sources.clear();
      JsonArray array = f.array(key);
      for (int i = 0; i < array.size(); i++) {
        Object item = array.getValue(i);
        if (!(item instanceof String)) {
          throw new ConfigException(f.child(key) + "[" + i + "]", "must be a string (a regular expression), got "
            + JsonFields.typeName(item));
        }
        sources.add((String) item);
      }
    }
    List<Pattern> patterns = new ArrayList<>();
    for (int i = 0; i < sources.size(); i++) {
      try {
        patterns.add(Pattern.compile(sources.get(i)));
      } catch (PatternSyntaxException e) {
        throw new ConfigException(f.child(key) + "[" + i + "]", "is not a valid regular expression: "
          + e.getDescription() + " ('" + sources.get(i) + "')");
      }
    }
    return List.copyOf(patterns);
  }

  /** Whether a bridge client may send or publish to {@code address}. */
  public boolean inboundAllowed(String address) {
    return matches(inboundPermitted, address);
  }

  /** Whether a bridge client may register for {@code address}. */
  public boolean outboundAllowed(String address) {
    return matches(outboundPermitted, address);
  }

  private static boolean matches(List<Pattern> patterns, String address) {
    for (Pattern pattern : patterns) {
      if (pattern.matcher(address).matches()) {
        return true;
      }
    }
    return false;
  }
}
