package io.tcpgate.internal;

import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.spi.transport.Transport;

import java.util.ArrayList;
import java.util.List;

/**
 * What tcpgate needs of Vert.x's implementation classes, and the startup check that the running Vert.x offers it.
 */
public final class VertxInternals {

  /** The Vert.x version tcpgate is built and tested against. */
  public static final String BUILT_AGAINST = "5.0.7";

  /**
   * One member of an implementation class that tcpgate uses.
   *
   * @param className the class's binary name
   * @param member    a method or field name, or {@code null} for the class alone
   * @param field     whether {@code member} names a field
   * @param usedBy    what in tcpgate needs it, for the error message
   */
  public record Requirement(String className, String member, boolean field, String usedBy) {

    @Override
    public String toString() {
      return className + (member == null ? "" : (field ? "#" + member + " (field)" : "#" + member + "()"))
        + ", used by " + usedBy;
    }
  }

  /** Everything this package uses. */
  static final List<Requirement> REQUIRED = List.of(
    new Requirement("io.vertx.core.eventbus.impl.EventBusImpl", "createMessage", false, "the local request path"),
    new Requirement("io.vertx.core.eventbus.impl.EventBusImpl", "newSendContext", false, "the local request path"),
    new Requirement("io.vertx.core.eventbus.impl.EventBusImpl", "sendOrPubInternal", false,
      "the local request path"),
    new Requirement("io.vertx.core.eventbus.impl.MessageImpl", "setReplyAddress", false, "the local request path"),
    new Requirement("io.vertx.core.eventbus.impl.MessageImpl", "copyBeforeReceive", false,
      "requests whose headers are not copied"),
    new Requirement("io.vertx.core.eventbus.impl.MessageImpl", "receivedBody", true,
      "requests whose headers are not copied"),
    new Requirement("io.vertx.core.eventbus.impl.MessageImpl", "sentBody", true,
      "requests whose headers are not copied"),
    new Requirement("io.vertx.core.eventbus.impl.MessageImpl", "headers", true, "replies read without headers"),
    new Requirement("io.vertx.core.eventbus.impl.EventBusImpl", "handlerMap", true,
      "telling a discarded request busy from no-handler"),
    new Requirement("io.vertx.core.impl.utils.ConcurrentCyclicSequence", "size", false,
      "telling a discarded request busy from no-handler"),
    new Requirement("io.vertx.core.eventbus.impl.OutboundDeliveryContext", "writePromise", true,
      "the local request path"),
    new Requirement("io.vertx.core.buffer.impl.BufferImpl", "byteBuf", false, "framing (frames cut in place)"),
    new Requirement("io.vertx.core.impl.transports.NioTransport", "INSTANCE", true, "the listening sockets"),
    new Requirement("io.vertx.core.impl.transports.EpollTransport", "ioHandlerFactory", false,
      "the native epoll transport"),
    new Requirement("io.vertx.core.internal.VertxInternal", "tracer", false, "choosing the request path"),
    new Requirement("io.vertx.core.internal.net.NetSocketInternal", "channelHandlerContext", false,
      "half-close (end of stream from the client)"));

  private VertxInternals() {
  }

  /**
   * Verifies that the running Vert.x offers every implementation class and member tcpgate uses.
   *
   * @throws IllegalStateException naming each missing piece and the Vert.x version tcpgate was built against
   */
  public static void check() {
    check(REQUIRED, VertxInternals.class.getClassLoader());
  }

  static void check(List<Requirement> requirements, ClassLoader loader) {
    List<String> missing = new ArrayList<>();
    for (Requirement requirement : requirements) {
      if (!present(requirement, loader)) {
        missing.add(requirement.toString());
      }
    }
    if (!missing.isEmpty()) {
      throw new IllegalStateException("this Vert.x (" + runningVersion() + ") lacks what tcpgate needs of its"
        + " implementation classes (tcpgate is built against Vert.x " + BUILT_AGAINST + "; run it with the Vert.x"
        + " it ships with): " + String.join("; ", missing));
    }
  }

  private static boolean present(Requirement requirement, ClassLoader loader) {
    Class<?> type;
    try {
      type = Class.forName(requirement.className(), false, loader);
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
    if (requirement.member() == null) {
      return true;
    }
    if (requirement.field()) {
      for (Class<?> c = type; c != null; c = c.getSuperclass()) {
        try {
          c.getDeclaredField(requirement.member());
          return true;
        } catch (NoSuchFieldException e) {
          // look further up
        }
      }
      return false;
    }
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      for (var method : c.getDeclaredMethods()) {
        if (method.getName().equals(requirement.member())) {
          return true;
        }
      }
    }
    for (var method : type.getMethods()) {
      if (method.getName().equals(requirement.member())) {
        return true;
      }
    }
    return false;
  }

  private static String runningVersion() {
    String version = Vertx.class.getPackage().getImplementationVersion();
    return version == null ? "version unknown" : version;
  }

  /** Whether {@code vertx} traces event-bus messages (a tracer needs every reply delivered to end its span). */
  public static boolean traced(Vertx vertx) {
    return vertx instanceof VertxInternal && ((VertxInternal) vertx).tracer() != null;
  }

  /** Vert.x's own epoll transport (Linux, with Netty's native library), which tcpgate's transport may build on. */
  public static Transport epollTransport() {
    return new io.vertx.core.impl.transports.EpollTransport();
  }

  /** Vert.x's own NIO transport, which tcpgate's transport builds on. */
  public static Transport nioTransport() {
    return io.vertx.core.impl.transports.NioTransport.INSTANCE;
  }
}
