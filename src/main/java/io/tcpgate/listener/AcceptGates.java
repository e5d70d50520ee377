package io.tcpgate.listener;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where the listening sockets find their listener's {@link AcceptGate}: by the address they are bound to, which
 * the OS makes unique in the process. A listener with a fixed port registers its gate before it binds, one with an
 * ephemeral port as soon as the port is known; a connection accepted before that (or on a Vert.x without
 * {@link GatewayTransport}) goes through the same admission when its socket reaches the listener.
 */
final class AcceptGates {

  private static final Map<InetSocketAddress, AcceptGate> GATES = new ConcurrentHashMap<>();

  private AcceptGates() {
  }

  /** Registers {@code gate} for {@code bound}; returns the gate it replaced (a listener's previous generation). */
  static AcceptGate register(InetSocketAddress bound, AcceptGate gate) {
    return GATES.put(bound, gate);
  }

  /** Undoes {@link #register}: puts {@code previous} (or nothing) back in place of {@code gate}. */
  static void restore(InetSocketAddress bound, AcceptGate gate, AcceptGate previous) {
    if (previous == null) {
      GATES.remove(bound, gate);
    } else {
      GATES.replace(bound, gate, previous);
    }
  }

  static void unregister(InetSocketAddress bound, AcceptGate gate) {
    GATES.remove(bound, gate);
  }

  /** The handler for a listening socket's pipeline, in front of Netty's acceptor. */
  static ChannelHandler handler() {
    return Handler.INSTANCE;
  }

  @ChannelHandler.Sharable
  private static final class Handler extends ChannelInboundHandlerAdapter {

    static final Handler INSTANCE = new Handler();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof Channel && !GATES.isEmpty()) {
        SocketAddress bound = ctx.channel().localAddress();
        AcceptGate gate = bound instanceof InetSocketAddress ? GATES.get(bound) : null;
        if (gate != null && !gate.onAccept((Channel) msg)) {
          return;
        }
      }
      ctx.fireChannelRead(msg);
    }
  }
}
