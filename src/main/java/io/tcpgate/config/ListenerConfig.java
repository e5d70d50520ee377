package io.tcpgate.config;

import io.tcpgate.admission.AdmissionPolicy;
import io.tcpgate.admission.IpAddresses;
import io.tcpgate.bus.BodyType;
import io.tcpgate.dispatch.DispatchMode;
import io.tcpgate.framing.FramingSpec;
import io.vertx.core.json.JsonObject;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Set;

/**
 * One listener: where it binds, how it cuts frames, where frames go on the event bus, and its deadlines.
 *
 * @param name            unique name, used in logs, headers and metrics
 * @param host            IP literal to bind
 * @param port            TCP port; 0 takes an ephemeral port
 * @param family          the explicit IP family
 * @param instances       NetServer instances sharing the port; 0 means one per event-loop thread
 * @param address         event-bus address each frame is sent to
 * @param body            body type of the event-bus request
 * @param reply           whether replies are expected and written back; false is fire-and-forget
 * @param publish         with {@code reply == false}: publish to every consumer instead of sending to one
 * @param framing         how the byte stream is cut into frames and replies are framed
 * @param requestTimeoutMs  how long a frame waits for its reply before {@code ERR timeout}
 * @param idleTimeoutSeconds  close a connection on which no byte was read or written for this long
 * @param frameTimeoutMs  a frame that has begun must be complete within this time ({@code ERR frame-timeout})
 * @param maxInFlight     frames awaiting their reply per connection before the socket stops reading
 * @param errorTemplate   error reply text, with {@code {code}} and {@code {message}} placeholders
 * @param dispatch        how frames reach workers: in order one at a time, pinned to one instance, or in parallel
 * @param admission       which connections are let in: limits, rates and rules, decided at accept time
 * @param proxyProtocol   whether connections start with a PROXY protocol header, and from which peers
 * @param tls             TLS, or {@code null} for plain TCP
 * @param age             the maximum connection age, off by default
 * @param overload        when frames get {@code ERR busy}, off by default
 */
public record ListenerConfig(
  String name,
  String host,
  int port,
  AddressFamily family,
  int instances,
  String address,
  BodyType body,
  boolean reply,
  boolean publish,
  FramingSpec framing,
  long requestTimeoutMs,
  long idleTimeoutSeconds,
  long frameTimeoutMs,
  int maxInFlight,
  String errorTemplate,
  DispatchMode dispatch,
  AdmissionPolicy admission,
  ProxyProtocolConfig proxyProtocol,
  TlsConfig tls,
  ConnectionAgeConfig age,
  OverloadConfig overload) {

  /** Request timeout unless configured: 5 s. */
  public static final long DEFAULT_REQUEST_TIMEOUT_MS = 5_000;
  /** Idle timeout unless configured: 300 s. */
  public static final long DEFAULT_IDLE_TIMEOUT_SECONDS = 300;
  /** Frame deadline unless configured: 10 s. */
  public static final long DEFAULT_FRAME_TIMEOUT_MS = 10_000;
  /** Maximum frame size unless configured: 64 KiB. */
  public static final int DEFAULT_MAX_FRAME_BYTES = 64 * 1024;
  /** In-flight frames per connection unless configured. */
  public static final int DEFAULT_MAX_IN_FLIGHT = 128;
  /** How frames reach workers unless configured: a connection's frames processed one after another, in order. */
  public static final DispatchMode DEFAULT_DISPATCH = DispatchMode.ORDERED;
  /** The error reply text unless configured. */
  public static final String DEFAULT_ERROR_TEMPLATE = "ERR {code} {message}";

  static final Set<String> KEYS = Set.of("name", "host", "port", "family", "instances", "address", "body", "reply",
    "publish", "framing", "requestTimeoutMs", "idleTimeoutSeconds", "frameTimeoutMs", "maxInFlight", "errorTemplate",
    "dispatch", "admission", "proxyProtocol", "tls", "maxConnectionAgeSeconds", "maxConnectionAgeJitter",
    "maxConnectionAgeGraceMs", "sendGoaway", "overload");
  static final Set<String> DEFAULT_KEYS = Set.of("requestTimeoutMs", "idleTimeoutSeconds", "frameTimeoutMs",
    "maxInFlight", "maxFrameBytes", "errorTemplate", "instances", "dispatch", "admission", "maxConnectionAgeSeconds",
    "maxConnectionAgeJitter", "maxConnectionAgeGraceMs", "sendGoaway", "overload");

  static ListenerConfig fromJson(Object value, String path, JsonObject defaults) {
    JsonFields f = JsonFields.of(value, path, KEYS);
    JsonFields d = JsonFields.of(defaults, "defaults", DEFAULT_KEYS);
    String name = f.requiredString("name");
    AddressFamily family = f.choice("family", AddressFamily.IPV4, AddressFamily.values(), AddressFamily::configName);
    String host = f.string("host", family.wildcard());
    checkHost(f.child("host"), host, family);
    int port = f.intValue("port", -1, 0, 65535);
    if (port < 0) {
      throw new ConfigException(f.child("port"), "is required (0 takes an ephemeral port)");
    }
    BodyType body = f.choice("body", BodyType.BUFFER, BodyType.values(), BodyType::configName);
    boolean reply = f.bool("reply", true);
    boolean publish = f.bool("publish", false);
    if (reply && publish) {
      throw new ConfigException(f.child("publish"), "needs \"reply\": false (a published frame has no single reply)");
    }
    int maxFrameBytes = d.intValue("maxFrameBytes", DEFAULT_MAX_FRAME_BYTES, 1, Integer.MAX_VALUE - 8);
    FramingSpec framing = FramingConfig.fromJson(f.object("framing"), f.child("framing"), maxFrameBytes);
    String template = f.string("errorTemplate", d.string("errorTemplate", DEFAULT_ERROR_TEMPLATE));
    if (!template.contains("{code}")) {
      throw new ConfigException(f.child("errorTemplate"), "must contain {code}");
    }
    DispatchMode dispatch = f.choice("dispatch",
      d.choice("dispatch", DEFAULT_DISPATCH, DispatchMode.values(), DispatchMode::configName),
      DispatchMode.values(), DispatchMode::configName);
    return new ListenerConfig(
      name,
      host,
      port,
      family,
      f.intValue("instances", d.intValue("instances", 0, 0, 1024), 0, 1024),
      f.requiredString("address"),
      body,
      reply,
      publish,
      framing,
      f.longValue("requestTimeoutMs", d.longValue("requestTimeoutMs", DEFAULT_REQUEST_TIMEOUT_MS, 1, Long.MAX_VALUE),
        1, Long.MAX_VALUE),
      f.longValue("idleTimeoutSeconds", d.longValue("idleTimeoutSeconds", DEFAULT_IDLE_TIMEOUT_SECONDS, 1,
        Long.MAX_VALUE), 1, Long.MAX_VALUE),
      f.longValue("frameTimeoutMs", d.longValue("frameTimeoutMs", DEFAULT_FRAME_TIMEOUT_MS, 1, Long.MAX_VALUE),
        1, Long.MAX_VALUE),
      f.intValue("maxInFlight", d.intValue("maxInFlight", DEFAULT_MAX_IN_FLIGHT, 1, 1 << 20), 1, 1 << 20),
      template,
      dispatch,
      AdmissionConfig.fromJson(f.object("admission"), f.child("admission"), d.object("admission")),
      ProxyProtocolConfig.fromJson(f.object("proxyProtocol"), f.child("proxyProtocol")),
      TlsConfig.fromJson(f.object("tls"), f.child("tls")),
      ConnectionAgeConfig.fromJson(f, d),
      OverloadConfig.fromJson(f.object("overload"), f.child("overload"), d.object("overload")));
  }

  /** The admission policy with this listener's trusted proxies when the PROXY protocol is on. */
  public AdmissionPolicy effectiveAdmission() {
    return proxyProtocol.enabled() ? admission.withTrustedProxies(proxyProtocol.trustedCidrs()) : admission;
  }

  private static void checkHost(String path, String host, AddressFamily family) {
    InetAddress address = parseLiteral(path, host);
    switch (family) {
      case IPV4:
        if (!(address instanceof Inet4Address)) {
          throw new ConfigException(path, "'" + host + "' is not an IPv4 address, but the family is ipv4");
        }
        break;
      case IPV6:
        if (!(address instanceof Inet6Address)) {
          throw new ConfigException(path, "'" + host + "' is not an IPv6 address, but the family is ipv6");
        }
        break;
      case DUAL:
        if (!(address instanceof Inet6Address) || !address.isAnyLocalAddress()) {
          throw new ConfigException(path, "family dual binds the dual-stack wildcard '::' (got '" + host
            + "'); use family ipv4 or ipv6 for a specific address");
        }
        break;
      default:
        throw new ConfigException(path, "unsupported family " + family);
    }
  }

  /** Parses an IP literal without any name lookup. */
  static InetAddress parseLiteral(String path, String host) {
    if (!IpAddresses.looksLiteral(host)) {
      throw new ConfigException(path, "'" + host + "' must be an IP literal (host names are not resolved at bind"
        + " time)");
    }
    InetAddress address;
    try {
      address = IpAddresses.parse(host);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(path, "'" + host + "' is not a valid IP address");
    }
    if (IpAddresses.isMappedLiteral(host, address)) {
      throw new ConfigException(path, "'" + host + "' is an IPv4-mapped IPv6 address; write the IPv4 address");
    }
    return address;
  }

  /** Whether this listener and {@code other} would fight over the same kernel socket. */
  boolean overlaps(ListenerConfig other) {
    if (port == 0 || port != other.port) {
      return false;
    }
    InetAddress a = parseLiteral("host", host);
    InetAddress b = parseLiteral("host", other.host);
    if (a.equals(b)) {
      return true;
    }
    return covers(this, a, b) || covers(other, b, a);
  }

  private static boolean covers(ListenerConfig wide, InetAddress wideAddress, InetAddress narrow) {
    if (!wideAddress.isAnyLocalAddress()) {
      return false;
    }
    switch (wide.family) {
      case DUAL:
        return true;
      case IPV4:
        return narrow instanceof Inet4Address;
      case IPV6:
        return narrow instanceof Inet6Address;
      default:
        return false;
    }
  }

  /** {@code host:port} as written in logs, with brackets around IPv6 hosts. */
  public String hostAndPort(int actualPort) {
    return HostPort.format(host, actualPort);
  }
}
