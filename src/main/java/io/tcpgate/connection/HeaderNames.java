package io.tcpgate.connection;

import io.netty.util.AsciiString;
import io.tcpgate.bus.GatewayHeaders;

/**
 * The request header names as {@link AsciiString}s, whose hash is computed once: Vert.x's header map hashes every
 * name it stores, and a request carries six to nine of them, copied again on delivery.
 */
final class HeaderNames {

  static final AsciiString CONNECTION_ID = AsciiString.cached(GatewayHeaders.CONNECTION_ID);
  static final AsciiString LISTENER = AsciiString.cached(GatewayHeaders.LISTENER);
  static final AsciiString REMOTE_ADDRESS = AsciiString.cached(GatewayHeaders.REMOTE_ADDRESS);
  static final AsciiString LOCAL_ADDRESS = AsciiString.cached(GatewayHeaders.LOCAL_ADDRESS);
  static final AsciiString SEQUENCE = AsciiString.cached(GatewayHeaders.SEQUENCE);
  static final AsciiString DEADLINE = AsciiString.cached(GatewayHeaders.DEADLINE);
  static final AsciiString PEER_ADDRESS = AsciiString.cached(GatewayHeaders.PEER_ADDRESS);
  static final AsciiString PEER_SUBJECT = AsciiString.cached(GatewayHeaders.PEER_SUBJECT);
  static final AsciiString SNI = AsciiString.cached(GatewayHeaders.SNI);

  private HeaderNames() {
  }
}
