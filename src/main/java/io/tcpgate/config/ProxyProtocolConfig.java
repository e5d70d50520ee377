package io.tcpgate.config;

import io.tcpgate.admission.Cidr;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A listener's {@code proxyProtocol}: whether connections start with a PROXY protocol header (v1 or v2) from a load
 * balancer, which peers may send one, and how long the header may take.
 *
 * @param enabled         whether every connection must start with a header
 * @param trustedCidrs    the peers allowed to connect at all when enabled; everyone else is reset at accept time
 * @param headerTimeoutMs the deadline for the complete header, from the accept
 */
public record ProxyProtocolConfig(boolean enabled, List<Cidr> trustedCidrs, long headerTimeoutMs) {

  /** Header deadline unless configured: 3 s. */
  public static final long DEFAULT_HEADER_TIMEOUT_MS = 3_000;
  /** No PROXY protocol. */
  public static final ProxyProtocolConfig OFF = new ProxyProtocolConfig(false, List.of(), DEFAULT_HEADER_TIMEOUT_MS);

  /** The PROXY header's deadline from the accept, or {@code 0} when the protocol is off. */
  public long deadlineMs() {
    return enabled ? headerTimeoutMs : 0;
  }

  static final Set<String> KEYS = Set.of("enabled", "trustedCidrs", "headerTimeoutMs");

  public ProxyProtocolConfig {
    trustedCidrs = List.copyOf(trustedCidrs);
  }

  static ProxyProtocolConfig fromJson(JsonObject json, String path) {
    if (json.isEmpty()) {
      return OFF;
    }
    JsonFields f = JsonFields.of(json, path, KEYS);
    boolean enabled = f.bool("enabled", true);
    List<String> texts = f.stringList("trustedCidrs");
    List<Cidr> trusted = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      try {
        trusted.add(Cidr.parse(texts.get(i)));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(f.child("trustedCidrs") + "[" + i + "]", e.getMessage());
      }
    }
    if (enabled && trusted.isEmpty()) {
      throw new ConfigException(f.child("trustedCidrs"), "is required when the PROXY protocol is enabled: the"
        + " addresses of the load balancers allowed to send the header (anyone else could claim any address)");
    }
    long timeout = f.longValue("headerTimeoutMs", DEFAULT_HEADER_TIMEOUT_MS, 1, 3_600_000);
    return new ProxyProtocolConfig(enabled, trusted, timeout);
  }
}
