package io.tcpgate.listener;

import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/** Sits on a listening channel: reports accept errors, pauses accepting briefly, then accepts again. */
final class AcceptErrorHandler extends ChannelInboundHandlerAdapter {

  private final AcceptErrorListener listener;
  private final long backoffMs;

  AcceptErrorHandler(AcceptErrorListener listener, long backoffMs) {
    this.listener = listener;
    this.backoffMs = backoffMs;
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    int port = ctx.channel().localAddress() instanceof InetSocketAddress
      ? ((InetSocketAddress) ctx.channel().localAddress()).getPort() : -1;
    try {
      listener.acceptFailed(port, cause);
    } finally {
      ChannelConfig config = ctx.channel().config();
      if (config.isAutoRead() && ctx.channel().isOpen()) {
        config.setAutoRead(false);
        ctx.channel().eventLoop().schedule(() -> {
          if (ctx.channel().isOpen()) {
            config.setAutoRead(true);
          }
        }, backoffMs, TimeUnit.MILLISECONDS);
      }
    }
  }
}
