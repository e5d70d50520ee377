package io.tcpgate.listener;

import io.netty.channel.Channel;
import io.netty.handler.codec.haproxy.HAProxyProtocolException;
import io.tcpgate.admission.Admission;
import io.tcpgate.admission.IpAddresses;
import io.tcpgate.admission.RefusalReason;
import io.tcpgate.connection.ListenerContext;
import io.tcpgate.internal.SocketChannels;
import io.tcpgate.metrics.ListenerStats;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;

/**
 * A listener instance's last decision on a connection, when Vert.x hands over its socket (after the PROXY header
 * and the TLS handshake, where there are any): with the PROXY protocol, the rules and per-address limits for the
 * client the header names (HAProxy's {@code tcp-request session}); a connection refused at accept time with
 * {@code onRefuse: message} is told why; everyone else becomes a connection. Also counts the connections that never
 * got here because their PROXY header or TLS handshake failed.
 */
final class SessionAdmission {

  private static final Logger LOG = LoggerFactory.getLogger(SessionAdmission.class);

  private final Admission admission;
  private final ListenerStats stats;
  private final ListenerContext listener;
  private final boolean tls;

  SessionAdmission(Admission admission, ListenerStats stats, ListenerContext listener, boolean tls) {
    this.admission = admission;
    this.stats = stats;
    this.listener = listener;
    this.tls = tls;
  }

  /** A socket Vert.x hands over; call on its event loop. */
  void onSocket(NetSocket socket) {
    Channel channel = SocketChannels.channel(socket);
    if (channel.attr(AcceptGate.TICKET).get() == null && channel.attr(AcceptGate.REFUSED).get() == null
      && admission.admitsEveryone()) {
      listener.accept(socket);
      return;
    }
    ProxyHeaderDeadline.remove(channel);
    RefusalReason refusedAtAccept = channel.attr(AcceptGate.REFUSED).get();
    if (refusedAtAccept != null) {
      listener.refuse(socket, refusedAtAccept.tag());
      return;
    }
    Admission.Ticket ticket = channel.attr(AcceptGate.TICKET).get();
    if (ticket == null) {
      Admission.Verdict verdict = admission.onAccept(address(socket.remoteAddress(true)));
      if (!verdict.admitted()) {
        refuse(socket, channel, verdict.refusal());
        return;
      }
      ticket = verdict.ticket();
      Admission.Ticket taken = ticket;
      channel.closeFuture().addListener(f -> taken.release());
    }
    if (admission.policy().proxied()) {
      SocketAddress client = socket.remoteAddress();
      if (!client.isInetSocket() || client.hostAddress() == null) {
        refuse(socket, channel, RefusalReason.PROXY_HEADER);
        return;
      }
      Admission.Verdict verdict = admission.onClient(address(client), ticket);
      if (!verdict.admitted()) {
        refuse(socket, channel, verdict.refusal());
        return;
      }
    }
    listener.accept(socket);
  }

  /** A connection that failed before Vert.x handed over its socket: a bad PROXY header or TLS handshake. */
  void onFailure(Throwable cause) {
    RefusalReason reason = classify(cause);
    if (reason == null) {
      LOG.debug("listener '{}': connection failed before it was handed over: {}", stats.listener(), cause.toString());
      return;
    }
    stats.refused(reason);
    LOG.debug("listener '{}': connection refused ({}): {}", stats.listener(), reason.tag(), cause.toString());
  }

  private RefusalReason classify(Throwable cause) {
    boolean proxyError = cause instanceof HAProxyProtocolException
      || String.valueOf(cause.getMessage()).contains("HA PROXY");
    if (proxyError) {
      return RefusalReason.PROXY_HEADER;
    }
    if (tls) {
      return RefusalReason.TLS_HANDSHAKE;
    }
    return admission.policy().proxied() ? RefusalReason.PROXY_HEADER : null;
  }

  private void refuse(NetSocket socket, Channel channel, RefusalReason reason) {
    stats.refused(reason);
    if (admission.policy().tellsWhy(reason)) {
      listener.refuse(socket, reason.tag());
    } else {
      AcceptGate.reset(channel);
    }
  }

  private static InetAddress address(SocketAddress address) {
    return IpAddresses.parse(address.hostAddress());
  }
}
