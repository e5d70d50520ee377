package io.tcpgate.admission;

import java.util.List;

/**
 * The admission limits of one listener ({@code admission} in its config, each key inherited from
 * {@code defaults.admission}).
 *
 * @param maxConnections      connections open at once on the listener; {@link #UNLIMITED} for no limit
 * @param maxConnectionsPerIp connections open at once per client address; {@link #UNLIMITED} for no limit
 * @param connectRatePerIp    new connections per client address, or {@code null} for no limit
 * @param connectRate         new connections on the listener, or {@code null} for no limit
 * @param rules               allow/deny rules on the client address, first match wins
 * @param onRefuse            what a refused connection gets
 * @param maxTrackedIps       client addresses the per-address limits keep track of at once
 * @param trustedProxies      with the PROXY protocol on, the peers allowed to send its header; {@code null} when off
 */
public record AdmissionPolicy(int maxConnections, int maxConnectionsPerIp, RateLimit connectRatePerIp,
                              RateLimit connectRate, AccessRules rules, RefuseAction onRefuse, int maxTrackedIps,
                              List<Cidr> trustedProxies) {

  /** No limit. */
  public static final int UNLIMITED = 0;
  /** Client addresses tracked unless configured. */
  public static final int DEFAULT_MAX_TRACKED_IPS = 65_536;

  /** Lets everyone in, counting nothing per client. */
  public static final AdmissionPolicy OPEN = new AdmissionPolicy(UNLIMITED, UNLIMITED, null, null,
    AccessRules.ALLOW_ALL, RefuseAction.RESET, DEFAULT_MAX_TRACKED_IPS, null);

  public AdmissionPolicy {
    trustedProxies = trustedProxies == null ? null : List.copyOf(trustedProxies);
  }

  /** Whether anything is counted or checked per client address. */
  public boolean perClient() {
    return maxConnectionsPerIp != UNLIMITED || connectRatePerIp != null;
  }

  /** Whether connections arrive through trusted proxies that send a PROXY protocol header first. */
  public boolean proxied() {
    return trustedProxies != null;
  }

  /** Whether this policy lets everyone in and counts nothing that could refuse anyone (the process aside). */
  public boolean admitsEveryone() {
    return maxConnections == UNLIMITED && !perClient() && connectRate == null && rules.isEmpty() && !proxied();
  }

  /**
   * Whether a connection refused for {@code reason} is told why ({@code onRefuse: message}) instead of reset; an
   * untrusted proxy is always reset.
   */
  public boolean tellsWhy(RefusalReason reason) {
    return onRefuse == RefuseAction.MESSAGE && reason != RefusalReason.UNTRUSTED_PROXY;
  }

  /** The same policy with {@code trusted} as the proxies allowed to send PROXY headers. */
  public AdmissionPolicy withTrustedProxies(List<Cidr> trusted) {
    return new AdmissionPolicy(maxConnections, maxConnectionsPerIp, connectRatePerIp, connectRate, rules, onRefuse,
      maxTrackedIps, trusted);
  }
}
