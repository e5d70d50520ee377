package io.tcpgate.admission;

/** Why a connection was refused before it became a connection: the {@code reason} tag of the refusal metrics. */
public enum RefusalReason {
  /** The listener's, or the whole process's, {@code maxConnections} connections are open. */
  MAX_CONNECTIONS("max-connections"),
  /** The client's address already has {@code maxConnectionsPerIp} connections open. */
  MAX_CONNECTIONS_PER_IP("max-connections-per-ip"),
  /** The listener's table of client addresses is full ({@code maxTrackedIps}): a new address cannot be counted. */
  IP_TABLE_FULL("ip-table-full"),
  /** The listener's {@code connectRate} or the client's {@code connectRatePerIp} has no token left. */
  CONNECT_RATE("connect-rate"),
  /** A {@code deny} rule matched the client's address (or no rule did and the list ends in an implicit allow). */
  RULE("rule"),
  /** A PROXY protocol listener was reached by a peer outside {@code trustedCidrs}. */
  UNTRUSTED_PROXY("untrusted-proxy"),
  /** The PROXY protocol header was missing, malformed, unsupported, or not complete within its deadline. */
  PROXY_HEADER("proxy-header"),
  /** The TLS handshake failed or did not complete within its deadline. */
  TLS_HANDSHAKE("tls-handshake");

  private final String tag;

  RefusalReason(String tag) {
    this.tag = tag;
  }

  /** The metric tag value, and the message of a {@code refused} error reply. */
  public String tag() {
    return tag;
  }
}
