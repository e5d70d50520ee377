package io.tcpgate.connection;

/**
 * The structured fields a connection's log lines carry (SLF4J key-value pairs; top-level fields in the JSON log
 * format). Elastic Common Schema names where ECS has one, {@code tcpgate.*} for the rest.
 */
public final class ConnectionLogFields {

  /** The connection id, as in the {@code tcpgate-connection-id} header. */
  public static final String CONNECTION_ID = "tcpgate.connection.id";
  /** The listener's name. */
  public static final String LISTENER = "tcpgate.listener";
  /** The client's address ({@code ip:port}; the PROXY header's source behind a proxy). ECS. */
  public static final String CLIENT_ADDRESS = "client.address";
  /** The proxy's address behind a PROXY-protocol load balancer, else {@code -}. */
  public static final String PEER_ADDRESS = "tcpgate.peer.address";
  /** How long the connection was open, in milliseconds. */
  public static final String DURATION_MS = "tcpgate.duration_ms";
  /** Frames received. */
  public static final String FRAMES_IN = "tcpgate.frames.in";
  /** Frames written: replies, error replies and pushes. */
  public static final String FRAMES_OUT = "tcpgate.frames.out";
  /** Bytes received from the client. ECS. */
  public static final String BYTES_IN = "client.bytes";
  /** Bytes written to the client. ECS. */
  public static final String BYTES_OUT = "server.bytes";
  /** Replies abandoned because the connection closed first. */
  public static final String ABANDONED = "tcpgate.replies.abandoned";
  /** Why the connection closed, as in {@code tcpgate_connections_closed_total{reason}}. */
  public static final String CLOSE_REASON = "tcpgate.close.reason";

  private ConnectionLogFields() {
  }
}
