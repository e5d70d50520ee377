package io.tcpgate.internal;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;

/**
 * Half-close for Vert.x's {@link NetSocket}, which has none: by default Netty closes a connection as soon as the peer
 * shuts its write side, dropping every reply still to come. With {@link #deliverEndOfStream(NetSocket)} the socket
 * stays open for writing after the peer's FIN, and the end of the peer's stream reaches the socket's data handler as
 * an empty buffer, in order after every byte read before it, even while reading is paused and Vert.x still holds
 * earlier bytes. (Vert.x never delivers an empty buffer otherwise: a read of no bytes is not passed on.)
 */
public final class HalfClose {

  private static final String HANDLER_NAME = "tcpgate-end-of-stream";

  private HalfClose() {
  }

  /** Keeps {@code socket} writable after the peer's FIN and delivers the end of its stream as an empty buffer. */
  public static void deliverEndOfStream(NetSocket socket) {
    ChannelHandlerContext vertxHandler = ((NetSocketInternal) socket).channelHandlerContext();
    vertxHandler.channel().config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
    vertxHandler.pipeline().addBefore(vertxHandler.name(), HANDLER_NAME, EndOfStreamInBand.INSTANCE);
  }

  /** Turns Netty's input-shutdown event into an empty read, so that it queues behind the bytes read before it. */
  @ChannelHandler.Sharable
  private static final class EndOfStreamInBand extends ChannelInboundHandlerAdapter {

    static final EndOfStreamInBand INSTANCE = new EndOfStreamInBand();

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
      if (event instanceof ChannelInputShutdownEvent) {
        ctx.fireChannelRead(Unpooled.EMPTY_BUFFER);
        // Vert.x flushes writes made while handling a read at read-complete; none follows an input shutdown
        ctx.fireChannelReadComplete();
      }
      ctx.fireUserEventTriggered(event);
    }
  }
}
