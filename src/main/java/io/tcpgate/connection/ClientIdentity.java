package io.tcpgate.connection;

import io.tcpgate.config.HostPort;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;

import javax.net.ssl.SSLPeerUnverifiedException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * Who is at the other end of a connection, as workers see it in the request headers: the client's address (from the
 * PROXY header when a trusted proxy sent one), the gateway's address it reached, the proxy's own address, and with
 * TLS the client certificate's subject and the server name it asked for. Computed once per connection.
 *
 * @param remote  the client, {@code host:port}
 * @param local   the address the client connected to, {@code host:port}
 * @param peer    the TCP peer (the proxy) when it is not the client, else {@code null}
 * @param subject the client certificate's subject (RFC 2253), or {@code null}
 * @param sni     the TLS server name the client indicated, or {@code null}
 */
record ClientIdentity(String remote, String local, String peer, String subject, String sni) {

  static ClientIdentity of(NetSocket socket, boolean proxied) {
    String remote = format(socket.remoteAddress());
    String peer = proxied ? format(socket.remoteAddress(true)) : null;
    String subject = null;
    String sni = null;
    if (socket.isSsl()) {
      sni = socket.indicatedServerName();
      subject = subject(socket);
    }
    return new ClientIdentity(remote, format(socket.localAddress()), peer, subject, sni);
  }

  private static String subject(NetSocket socket) {
    try {
      List<Certificate> chain = socket.peerCertificates();
      if (chain != null && !chain.isEmpty() && chain.get(0) instanceof X509Certificate) {
        return ((X509Certificate) chain.get(0)).getSubjectX500Principal().getName();
      }
    } catch (SSLPeerUnverifiedException e) {
      return null;
    }
    return null;
  }

  private static String format(SocketAddress address) {
    if (address == null) {
      return "";
    }
    String host = address.hostAddress();
    return host == null ? address.toString() : HostPort.format(host, address.port());
  }
}
