package io.tcpgate.listener;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.Channel;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import io.tcpgate.admission.RefusalReason;
import io.tcpgate.metrics.ListenerStats;

import java.util.concurrent.TimeUnit;

/**
 * The PROXY header's deadline: counted from the accept, not reset by each byte as an idle timer would be, so a peer
 * trickling a byte at a time is cut off like a silent one. When it passes with the header decoder still waiting, the
 * connection is reset and counted as refused ({@code proxy-header}). Removed once the connection reaches the
 * listener; the decoder's absence means the header was read (it removes itself when done).
 */
final class ProxyHeaderDeadline extends ChannelInboundHandlerAdapter {

  static final String NAME = "tcpgate-proxy-header-deadline";

  private final long timeoutMs;
  private final ListenerStats stats;
  private ScheduledFuture<?> timer;

  /** @param stats where an expiry is counted, or {@code null} for a connection already counted as refused */
  ProxyHeaderDeadline(long timeoutMs, ListenerStats stats) {
    this.timeoutMs = timeoutMs;
    this.stats = stats;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    timer = ctx.executor().schedule(() -> expire(ctx), timeoutMs, TimeUnit.MILLISECONDS);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    cancel();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancel();
    ctx.fireChannelInactive();
  }

  private void expire(ChannelHandlerContext ctx) {
    timer = null;
    if (ctx.channel().isActive() && ctx.pipeline().get(HAProxyMessageDecoder.class) != null) {
      if (stats != null) {
        stats.refused(RefusalReason.PROXY_HEADER);
      }
      AcceptGate.reset(ctx.channel());
    }
  }

  private void cancel() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  /** Ends the deadline of {@code channel}'s header, if it had one; call on its event loop. */
  static void remove(Channel channel) {
    if (channel.pipeline().get(NAME) != null) {
      channel.pipeline().remove(NAME);
    }
  }
}
