package io.tcpgate.internal;

import io.netty.channel.Channel;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;

/** The Netty channel under a Vert.x {@link NetSocket}, where admission keeps a connection's ticket. */
public final class SocketChannels {

  private SocketChannels() {
  }

  /** The channel of {@code socket}. */
  public static Channel channel(NetSocket socket) {
    return ((NetSocketInternal) socket).channelHandlerContext().channel();
  }
}
