package io.tcpgate.listener;

import io.tcpgate.config.AddressFamily;
import io.tcpgate.config.ListenerConfig;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Checks, before and after binding, that a listener's family can be honoured and was: the JVM cannot set
 * IPV6_V6ONLY per socket, so {@code ipv6} on {@code ::} and {@code dual} depend on the system-wide
 * {@code net.ipv6.bindv6only} switch, and an IPv6 listener needs the JVM's IPv6 stack.
 */
final class FamilyCheck {

  private FamilyCheck() {
  }

  /** Fails with a {@link BindException} when this host or JVM cannot give the listener its family. */
  static void beforeBind(ListenerConfig listener) {
    if (listener.family() == AddressFamily.IPV4) {
      return;
    }
    String where = "listener '" + listener.name() + "' on " + listener.hostAndPort(listener.port()) + " (family "
      + listener.family().configName() + "): ";
    if (Boolean.getBoolean("java.net.preferIPv4Stack")) {
      throw new BindException(listener.name(), where + "the JVM runs with -Djava.net.preferIPv4Stack=true, which"
        + " disables IPv6 for the whole process; remove that flag", null);
    }
    boolean wildcard = isWildcard(listener.host());
    int v6only = KernelSockets.bindV6Only();
    if (listener.family() == AddressFamily.IPV6 && wildcard && v6only != 1) {
      throw new BindException(listener.name(), where + "IPv6-only on the wildcard '::' needs IPV6_V6ONLY, which the"
        + " JVM cannot set per socket, and this host has net.ipv6.bindv6only=" + v6only + " so '::' would accept IPv4"
        + " too; bind a specific IPv6 address, choose family dual, or set the system-wide switch"
        + " `sysctl net.ipv6.bindv6only=1`", null);
    }
    if (listener.family() == AddressFamily.DUAL && v6only == 1) {
      throw new BindException(listener.name(), where + "this host has net.ipv6.bindv6only=1, so '::' would accept"
        + " IPv6 only; add a second listener with family ipv4 on 0.0.0.0, or set `sysctl net.ipv6.bindv6only=0`",
        null);
    }
  }

  /**
   * Compares what the kernel lists on the bound port with the configured family; returns the kernel's entries.
   * Does nothing where /proc is not readable.
   */
  static List<KernelSockets.Listening> afterBind(ListenerConfig listener, int port) {
    if (!KernelSockets.available()) {
      return List.of();
    }
    List<KernelSockets.Listening> sockets = KernelSockets.listening(port);
    boolean ok;
    switch (listener.family()) {
      case IPV4:
        ok = sockets.stream().anyMatch(s -> !s.ipv6Socket() && s.address().equals(listener.host()));
        break;
      case IPV6:
      case DUAL:
        ok = sockets.stream().anyMatch(s -> s.ipv6Socket() && sameAddress(s.address(), listener.host()));
        break;
      default:
        ok = false;
    }
    if (!ok) {
      throw new BindException(listener.name(), "listener '" + listener.name() + "' asked for "
        + listener.hostAndPort(port) + " (family " + listener.family().configName() + ") but the kernel lists "
        + sockets + " on that port", null);
    }
    return sockets;
  }

  private static boolean isWildcard(String host) {
    try {
      return InetAddress.getByName(host).isAnyLocalAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static boolean sameAddress(String a, String b) {
    try {
      return InetAddress.getByName(a).equals(InetAddress.getByName(b));
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
