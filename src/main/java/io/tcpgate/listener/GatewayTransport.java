package io.tcpgate.listener;

import java.util.concurrent.atomic.AtomicInteger;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.tcpgate.config.TransportChoice;
import io.tcpgate.internal.VertxInternals;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.spi.transport.Transport;

import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.net.UnknownHostException;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Vert.x's NIO or native epoll transport (the {@link TransportChoice}), with changes to listening sockets that Vert.x
 * does not expose:
 * <ul>
 *   <li>the socket's family follows the bind address: an IPv4 address gets a real IPv4 (AF_INET) socket, so
 *       {@code 0.0.0.0} accepts IPv4 only instead of silently becoming the dual-stack {@code ::} as the JDK would
 *       make it; an IPv6 address gets an AF_INET6 socket;</li>
 *   <li>accept errors (descriptors exhausted, aborted connections) are reported to an {@link AcceptErrorListener}
 *       and accepting resumes after a short back-off, instead of reaching Netty's pipeline tail;</li>
 *   <li>every accepted connection passes its listener's {@link AcceptGate} before Vert.x sees it.</li>
 * </ul>
 * Vert.x calls {@link #configure(NetServerOptions, boolean, ServerBootstrap)} and then
 * {@link #serverChannelFactory(boolean)} on the same thread while it binds; the bind host travels between the two
 * in a thread-local.
 */
public final class GatewayTransport implements Transport {

  /** Pause after an accept error before accepting again, so a full descriptor table does not spin a core. */
  public static final long ACCEPT_BACKOFF_MS = 50;

  private static final ThreadLocal<String> BIND_HOST = new ThreadLocal<>();

  private final Transport base;
  private final boolean epoll;
  private final AcceptErrorListener acceptErrors;
  /** Every listening socket of this process's gateways (several per JVM in tests), while open. */
  private static final Set<Channel> LISTENING = ConcurrentHashMap.newKeySet();

  /**
   * The transport {@code choice} asks for: with {@link TransportChoice#AUTO}, epoll where Netty's native library
   * loads, else NIO.
   *
   * @throws IllegalStateException when {@code choice} is {@link TransportChoice#EPOLL} and epoll is not available
   */
  public GatewayTransport(AcceptErrorListener acceptErrors, TransportChoice choice) {
    this.acceptErrors = acceptErrors;
    boolean useEpoll = choice != TransportChoice.NIO && Epoll.isAvailable();
    if (choice == TransportChoice.EPOLL && !useEpoll) {
      throw new IllegalStateException("transport epoll is not available here: " + Epoll.unavailabilityCause());
    }
    this.epoll = useEpoll;
    this.base = useEpoll ? VertxInternals.epollTransport() : VertxInternals.nioTransport();
  }

  /** {@code epoll} or {@code nio}: the transport in use. */
  public String name() {
    return epoll ? "epoll" : "nio";
  }

  /** Why epoll is not in use although asked for with {@code auto}, or {@code null}. */
  public static Throwable epollUnavailability() {
    return Epoll.isAvailable() ? null : Epoll.unavailabilityCause();
  }

  /** This transport in the form {@code Vertx.builder().withTransport(...)} takes. */
  public io.vertx.core.transport.Transport asVertxTransport() {
    Transport implementation = this;
    return new io.vertx.core.transport.Transport() {
      @Override
      public String name() {
        return GatewayTransport.this.name();
      }

      @Override
      public boolean available() {
        return true;
      }

      @Override
      public Throwable unavailabilityCause() {
        return null;
      }

      @Override
      public Transport implementation() {
        return implementation;
      }
    };
  }

  @Override
  public boolean supportsDomainSockets() {
    return base.supportsDomainSockets();
  }

  @Override
  public java.net.SocketAddress convert(io.vertx.core.net.SocketAddress address) {
    return base.convert(address);
  }

  @Override
  public io.vertx.core.net.SocketAddress convert(java.net.SocketAddress address) {
    return base.convert(address);
  }

  @Override
  public IoHandlerFactory ioHandlerFactory() {
    return base.ioHandlerFactory();
  }

  @Override
  public DatagramChannel datagramChannel() {
    return base.datagramChannel();
  }

  @Override
  public DatagramChannel datagramChannel(InternetProtocolFamily family) {
    return base.datagramChannel(family);
  }

  @Override
  public ChannelFactory<? extends Channel> channelFactory(boolean domainSocket) {
    return base.channelFactory(domainSocket);
  }

  @Override
  public void configure(NetServerOptions options, boolean domainSocket, ServerBootstrap bootstrap) {
    base.configure(options, domainSocket, bootstrap);
    if (!domainSocket) {
      BIND_HOST.set(options.getHost());
    }
  }

  @Override
  public ChannelFactory<? extends ServerChannel> serverChannelFactory(boolean domainSocket) {
    String host = BIND_HOST.get();
    BIND_HOST.remove();
    if (domainSocket) {
      return base.serverChannelFactory(true);
    }
    ProtocolFamily family = familyOf(host);
    return () -> {
      ServerChannel channel = epoll ? epollServerChannel(family)
        : family == null ? new NioServerSocketChannel() : new NioServerSocketChannel(open(family));
      channel.pipeline().addLast("tcpgate-accept-gate", AcceptGates.handler());
      channel.pipeline().addLast("tcpgate-accept-errors", new AcceptErrorHandler(acceptErrors, ACCEPT_BACKOFF_MS));
      LISTENING.add(channel);
      channel.closeFuture().addListener(f -> LISTENING.remove(channel));
      return channel;
    };
  }

  /**
   * Stops accepting on every listening socket bound to one of {@code ports} and closes it at once. Vert.x closes a
   * port shared by several NetServer instances only when the last instance is gone, and keeps accepting into
   * instances that are already stopping in between; closing the socket first makes "stop accepting" one step.
   */
  public Future<Void> closeListeningSockets(Collection<Integer> ports) {
    List<Future<Void>> closed = new ArrayList<>();
    for (Channel channel : LISTENING) {
      if (channel.localAddress() instanceof InetSocketAddress
        && ports.contains(((InetSocketAddress) channel.localAddress()).getPort())) {
        channel.config().setAutoRead(false);
        Promise<Void> promise = Promise.promise();
        channel.close().addListener(f -> promise.complete());
        closed.add(promise.future());
      }
    }
    return Future.join(closed).mapEmpty();
  }

  /**
   * Stops or resumes accepting on the listening socket bound to {@code bound}: while stopped, new connections wait in
   * the kernel's backlog (they are neither accepted nor refused). The change is made on the socket's event loop;
   * {@code done} runs once it has taken effect (at once for a socket this transport did not open).
   */
  static void setAccepting(InetSocketAddress bound, boolean accepting, Runnable done) {
    List<Channel> channels = new ArrayList<>();
    for (Channel channel : LISTENING) {
      if (bound.equals(channel.localAddress())) {
        channels.add(channel);
      }
    }
    if (channels.isEmpty()) {
      done.run();
      return;
    }
    AtomicInteger left = new AtomicInteger(channels.size());
    for (Channel channel : channels) {
      channel.eventLoop().execute(() -> {
        channel.config().setAutoRead(accepting);
        if (left.decrementAndGet() == 0) {
          done.run();
        }
      });
    }
  }

  private static ServerChannel epollServerChannel(ProtocolFamily family) {
    if (family == null) {
      return new EpollServerSocketChannel();
    }
    return new EpollServerSocketChannel(family == StandardProtocolFamily.INET ? SocketProtocolFamily.INET
      : SocketProtocolFamily.INET6);
  }

  private static ServerSocketChannel open(ProtocolFamily family) {
    try {
      return ServerSocketChannel.open(family);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open a " + family + " server socket", e);
    }
  }

  /** The socket family for a bind host: INET for IPv4 literals, INET6 for IPv6 literals, else the JDK default. */
  static ProtocolFamily familyOf(String host) {
    if (host == null || (host.indexOf(':') < 0 && !host.matches("\\d{1,3}(\\.\\d{1,3}){3}"))) {
      return null;
    }
    try {
      InetAddress address = InetAddress.getByName(host);
      return address instanceof Inet4Address ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6;
    } catch (UnknownHostException e) {
      return null;
    }
  }
}
