package io.tcpgate.bus;

import io.vertx.core.MultiMap;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;

/**
 * The event-bus contract between tcpgate and the verticles that handle frames. Public API: these names are stable.
 *
 * <h2>Requests</h2>
 * Every complete frame is sent as an event-bus request to the listener's {@code address}, with the listener's
 * request timeout. The body is a {@code Buffer} (default), a UTF-8 {@code String} or a {@code JsonObject}, as the
 * listener's {@code body} says. All headers are strings:
 * <ul>
 *   <li>{@value #CONNECTION_ID}: the connection's id, unique across JVMs;</li>
 *   <li>{@value #LISTENER}: the listener's name;</li>
 *   <li>{@value #REMOTE_ADDRESS} and {@value #LOCAL_ADDRESS}: {@code host:port} ({@code [v6]:port} for IPv6): the
 *       client's address and the gateway address it connected to. On a listener with the PROXY protocol they are
 *       the source and destination of the header a trusted proxy sent (the real peer's when the header says
 *       {@code LOCAL} or {@code UNKNOWN});</li>
 *   <li>{@value #PEER_ADDRESS}, only with the PROXY protocol: the proxy's own address, the TCP peer;</li>
 *   <li>{@value #PEER_SUBJECT}, only with TLS and a client certificate: its subject, RFC 2253
 *       ({@code CN=device-7,O=Example});</li>
 *   <li>{@value #SNI}, only with TLS: the server name the client asked for;</li>
 *   <li>{@value #SEQUENCE}: the frame's number on its connection, from 1;</li>
 *   <li>{@value #DEADLINE}: the absolute time (epoch milliseconds) after which the gateway no longer waits for the
 *       reply; a handler may drop work that is already late ({@link #isExpired(Message)}).</li>
 * </ul>
 *
 * <h2>Replies</h2>
 * The reply body ({@code Buffer}, {@code String}, {@code JsonObject}, {@code JsonArray}, a number or a boolean, as its
 * text; {@code null} writes nothing) is framed and
 * written back in the order of the frames. A reply carrying header {@value #CLOSE} = {@code true} closes the
 * connection once that reply is written ({@link #closeAfterReply()}). A failure ({@code message.fail(code, text)})
 * is written as {@code ERR worker-failed text}.
 *
 * <h2>Server push</h2>
 * Any verticle, on any node, can write to one connection by sending (or requesting) a message to
 * {@link #pushAddress(String) pushAddress(connectionId)}: the body (Buffer, String or JsonObject) is framed like a
 * reply and written at once, between replies. Header {@value #CLOSE} = {@code true} closes the connection after it;
 * an empty body with that header just closes it. The request is answered with {@code "ok"} once the bytes are queued
 * on the socket, or failed: {@value #NO_CONNECTION} when the connection is gone, {@value #BUSY} when its write queue
 * is full (the client does not read). A message published to {@link #broadcastAddress(String)} is written to every
 * connection of that listener on every gateway node.
 *
 * <h2>Lifecycle events</h2>
 * Every connect and close is published on {@value #EVENTS_ADDRESS} as a JsonObject: {@code event}
 * ({@code connected} or {@code closed}), {@code connectionId}, {@code listener}, {@code remoteAddress},
 * {@code localAddress}, {@code node}, {@code timestamp} (epoch ms), {@code peerAddress}, {@code peerSubject} and
 * {@code sni} when the headers of the same names are set, and for {@code closed} the {@code reason}
 * ({@code client}, {@code reset}, {@code idle-timeout}, {@code frame-timeout}, {@code frame-too-large},
 * {@code bad-frame}, {@code server}, {@code shutdown}, {@code error}).
 */
public final class GatewayHeaders {

  /** Header: the connection's id, unique across JVMs. */
  public static final String CONNECTION_ID = "tcpgate-connection-id";
  /** Header: the listener's name. */
  public static final String LISTENER = "tcpgate-listener";
  /** Header: the client's address, {@code host:port}. */
  public static final String REMOTE_ADDRESS = "tcpgate-remote-address";
  /** Header: the gateway's address of this connection, {@code host:port}. */
  public static final String LOCAL_ADDRESS = "tcpgate-local-address";
  /** Header: with the PROXY protocol, the address of the proxy (the TCP peer), {@code host:port}. */
  public static final String PEER_ADDRESS = "tcpgate-peer-address";
  /** Header: with TLS, the subject of the client's certificate (RFC 2253), when it presented one. */
  public static final String PEER_SUBJECT = "tcpgate-peer-subject";
  /** Header: with TLS, the server name (SNI) the client indicated, when it did. */
  public static final String SNI = "tcpgate-sni";
  /** Header: the frame's sequence number on its connection, from 1. */
  public static final String SEQUENCE = "tcpgate-seq";
  /** Header: the request's absolute deadline, epoch milliseconds. */
  public static final String DEADLINE = "tcpgate-deadline";
  /** Reply header: {@code true} closes the connection after this reply is written. */
  public static final String CLOSE = "tcpgate-close";

  /** Where connection lifecycle events are published. */
  public static final String EVENTS_ADDRESS = "tcpgate.events";
  /** Push failure code: no such connection (closed, or never existed). */
  public static final int NO_CONNECTION = 404;
  /** Push failure code: the connection's write queue is full. */
  public static final int BUSY = 503;

  private static final String PUSH_PREFIX = "tcpgate.push.";
  private static final String BROADCAST_PREFIX = "tcpgate.broadcast.";

  private GatewayHeaders() {
  }

  /**
   * The address that reaches connection {@code connectionId} from any node: one address per gateway node, derived
   * from the node part of the id, with the id itself in the {@value #CONNECTION_ID} header (see
   * {@link #pushOptions(String)}).
   */
  public static String pushAddress(String connectionId) {
    int dash = connectionId.indexOf('-');
    if (dash <= 0) {
      throw new IllegalArgumentException("not a tcpgate connection id: " + connectionId);
    }
    return PUSH_PREFIX + connectionId.substring(0, dash);
  }

  /** The push address of a node, given its node part. */
  public static String nodePushAddress(String node) {
    return PUSH_PREFIX + node;
  }

  /** Delivery options for a push to {@code connectionId}. */
  public static DeliveryOptions pushOptions(String connectionId) {
    return new DeliveryOptions().addHeader(CONNECTION_ID, connectionId);
  }

  /** The address whose published messages reach every connection of {@code listener} on every node. */
  public static String broadcastAddress(String listener) {
    return BROADCAST_PREFIX + listener;
  }

  /** Delivery options for a reply that closes the connection after it is written. */
  public static DeliveryOptions closeAfterReply() {
    return new DeliveryOptions().addHeader(CLOSE, "true");
  }

  /** The connection id of a request, or {@code null} for a message that did not come from tcpgate. */
  public static String connectionId(Message<?> message) {
    return message.headers().get(CONNECTION_ID);
  }

  /** The request's deadline in epoch milliseconds, or {@link Long#MAX_VALUE} when it has none. */
  public static long deadline(Message<?> message) {
    String value = message.headers().get(DEADLINE);
    if (value == null) {
      return Long.MAX_VALUE;
    }
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      return Long.MAX_VALUE;
    }
  }

  /** Whether the gateway has already given up waiting for this request's reply. */
  public static boolean isExpired(Message<?> message) {
    return System.currentTimeMillis() > deadline(message);
  }

  /** Whether a reply asks the gateway to close the connection after writing it ({@code null}: no headers, no). */
  public static boolean wantsClose(MultiMap headers) {
    return headers != null && "true".equalsIgnoreCase(headers.get(CLOSE));
  }
}
