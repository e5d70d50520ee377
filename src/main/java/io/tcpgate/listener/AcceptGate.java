package io.tcpgate.listener;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.util.AttributeKey;
import io.tcpgate.admission.Admission;
import io.tcpgate.admission.RefusalReason;
import io.tcpgate.metrics.ListenerStats;

import java.net.InetSocketAddress;

/**
 * A listener's first decision on a connection, taken on the listening socket's event loop as Netty hands over the
 * accepted channel: before Vert.x creates a socket for it, before a TLS handshake or a PROXY header is read.
 * A connection let in carries its {@link Admission.Ticket} as a channel attribute, released when the channel
 * closes, on every close path; with the PROXY protocol it also gets the header's deadline. A refused one is reset
 * at once, or, with {@code onRefuse: message}, handed on marked as refused so that the listener can write why.
 */
public final class AcceptGate {

  /** The ticket of a connection this gate let in. */
  public static final AttributeKey<Admission.Ticket> TICKET = AttributeKey.valueOf("tcpgate.ticket");
  /** Why a connection this gate refused is handed on anyway (to be told, with {@code onRefuse: message}). */
  public static final AttributeKey<RefusalReason> REFUSED = AttributeKey.valueOf("tcpgate.refused");

  private final Admission admission;
  private final ListenerStats stats;
  private volatile long headerTimeoutMs;

  /** @param headerTimeoutMs the PROXY header's deadline, or 0 when the listener does not use the protocol */
  AcceptGate(Admission admission, ListenerStats stats, long headerTimeoutMs) {
    this.admission = admission;
    this.stats = stats;
    this.headerTimeoutMs = headerTimeoutMs;
  }

  /**
   * Decides on {@code child}, accepted and not yet registered with an event loop.
   *
   * @return whether to hand it on to Vert.x
   */
  boolean onAccept(Channel child) {
    if (admission.admitsEveryone()) {
      return true;
    }
    InetSocketAddress peer = (InetSocketAddress) child.remoteAddress();
    if (peer == null) {
      return true;
    }
    Admission.Verdict verdict = admission.onAccept(peer.getAddress());
    if (!verdict.admitted()) {
      stats.refused(verdict.refusal());
      if (admission.policy().tellsWhy(verdict.refusal())) {
        child.attr(REFUSED).set(verdict.refusal());
        addHeaderDeadline(child, false);
        return true;
      }
      resetUnregistered(child);
      return false;
    }
    Admission.Ticket ticket = verdict.ticket();
    child.attr(TICKET).set(ticket);
    child.closeFuture().addListener(f -> ticket.release());
    addHeaderDeadline(child, true);
    return true;
  }

  /** A new PROXY header deadline (a reload), for connections accepted from now on. */
  void headerTimeoutMs(long headerTimeoutMs) {
    this.headerTimeoutMs = headerTimeoutMs;
  }

  private void addHeaderDeadline(Channel child, boolean countExpiry) {
    if (headerTimeoutMs > 0) {
      child.pipeline().addLast(ProxyHeaderDeadline.NAME,
        new ProxyHeaderDeadline(headerTimeoutMs, countExpiry ? stats : null));
    }
  }

  /** Resets a channel Netty has not registered yet: SO_LINGER 0, then close (RST instead of FIN). */
  static void resetUnregistered(Channel child) {
    try {
      child.config().setOption(ChannelOption.SO_LINGER, 0);
    } finally {
      child.unsafe().closeForcibly();
    }
  }

  /** Resets a registered channel: SO_LINGER 0, then close (RST instead of FIN). Call on its event loop. */
  static void reset(Channel channel) {
    if (channel.isOpen()) {
      channel.config().setOption(ChannelOption.SO_LINGER, 0);
      channel.close();
    }
  }
}
