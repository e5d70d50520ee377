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
 *   <li>{@value #REMOTE_ADDRESS} and {@value #LOCAL_ADDRESS}: {@code host:port} ({@code [v6]:port} for IPv6);</li>
 *   <li>{@value #SEQUENCE}: the frame's number on its connection, from 1;</li>
 *   <li>{@value #DEADLINE}: the absolute time (epoch milliseconds) after which the gateway no longer waits for the
 *       reply; a handler may drop work that is already late ({@link #isExpired(Message)}).</li>
 * </ul>
 *
 * <h2>Replies</h2>
 * The reply body ({@code Buffer}, {@code String} or {@code JsonObject}; {@code null} writes nothing) is framed and
 * written back in the order of the frames. A reply carrying header {@value #CLOSE} = {@code true} closes the
 * connection once that reply is written ({@link #closeAfterReply()}). A failure ({@code message.fail(code, text)})
 * is written as {@code ERR worker-failed text}.
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
  /** Header: the frame's sequence number on its connection, from 1. */
  public static final String SEQUENCE = "tcpgate-seq";
  /** Header: the request's absolute deadline, epoch milliseconds. */
  public static final String DEADLINE = "tcpgate-deadline";
  /** Reply header: {@code true} closes the connection after this reply is written. */
  public static final String CLOSE = "tcpgate-close";

  private GatewayHeaders() {
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

  /** Whether a reply asks the gateway to close the connection after writing it. */
  public static boolean wantsClose(MultiMap headers) {
    return "true".equalsIgnoreCase(headers.get(CLOSE));
  }
}
