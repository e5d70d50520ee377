package io.tcpgate.config;

import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Set;

/**
 * A listener's {@code tls}: PEM files in the layout of a Kubernetes TLS Secret, client authentication, protocols, the
 * handshake deadline and how often the files are checked for new contents.
 *
 * @param path               the key path of this object, e.g. {@code listeners[0].tls}, for errors found later
 * @param certPath           the certificate chain, PEM
 * @param keyPath            the private key, PEM (PKCS#8, PKCS#1 RSA or SEC1 EC)
 * @param caPath             CA certificates that client certificates must chain to, PEM; {@code null} if none
 * @param clientAuth         whether clients present certificates
 * @param protocols          the TLS versions offered
 * @param handshakeTimeoutMs the deadline for the handshake, from the accept (or the end of the PROXY header)
 * @param reloadCheckMs      how often the files are checked for new contents; 0 never
 */
public record TlsConfig(String path, String certPath, String keyPath, String caPath, ClientAuthMode clientAuth,
                        List<String> protocols, long handshakeTimeoutMs, long reloadCheckMs) {

  /** Whether and how clients authenticate with certificates. */
  public enum ClientAuthMode {
    /** No client certificate is asked for. */
    NONE("none"),
    /** A certificate is asked for; a client without one is let in, one with a bad one is refused. */
    REQUEST("request"),
    /** A client without a certificate that chains to {@code caPath} is refused in the handshake. */
    REQUIRED("required");

    private final String configName;

    ClientAuthMode(String configName) {
      this.configName = configName;
    }

    /** The name in the configuration. */
    public String configName() {
      return configName;
    }
  }

  /** Handshake deadline unless configured: 10 s. */
  public static final long DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
  /** File check interval unless configured: 30 s. */
  public static final long DEFAULT_RELOAD_CHECK_MS = 30_000;
  /** Protocols unless configured. */
  public static final List<String> DEFAULT_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

  static final Set<String> KEYS = Set.of("certPath", "keyPath", "caPath", "clientAuth", "protocols",
    "handshakeTimeoutMs", "reloadCheckMs");
  private static final Set<String> PROTOCOLS = Set.of("TLSv1.3", "TLSv1.2");

  public TlsConfig {
    protocols = List.copyOf(protocols);
  }

  /** {@code null} when {@code json} is empty (no TLS). */
  static TlsConfig fromJson(JsonObject json, String path) {
    if (json.isEmpty()) {
      return null;
    }
    JsonFields f = JsonFields.of(json, path, KEYS);
    String cert = f.requiredString("certPath");
    String key = f.requiredString("keyPath");
    String ca = f.string("caPath", null);
    if (ca != null && ca.isBlank()) {
      throw new ConfigException(f.child("caPath"), "must be a non-empty path when present");
    }
    ClientAuthMode clientAuth = f.choice("clientAuth", ClientAuthMode.NONE, ClientAuthMode.values(),
      ClientAuthMode::configName);
    if (clientAuth != ClientAuthMode.NONE && ca == null) {
      throw new ConfigException(f.child("caPath"), "is required with clientAuth " + clientAuth.configName()
        + ": the CA certificates client certificates must chain to");
    }
    List<String> protocols = f.has("protocols") ? f.stringList("protocols") : DEFAULT_PROTOCOLS;
    if (protocols.isEmpty()) {
      throw new ConfigException(f.child("protocols"), "must name at least one of TLSv1.3, TLSv1.2");
    }
    for (int i = 0; i < protocols.size(); i++) {
      if (!PROTOCOLS.contains(protocols.get(i))) {
        throw new ConfigException(f.child("protocols") + "[" + i + "]", "must be TLSv1.3 or TLSv1.2 (got '"
          + protocols.get(i) + "'; older versions are broken)");
      }
    }
    long handshake = f.longValue("handshakeTimeoutMs", DEFAULT_HANDSHAKE_TIMEOUT_MS, 1, 3_600_000);
    long reload = f.longValue("reloadCheckMs", DEFAULT_RELOAD_CHECK_MS, 0, 86_400_000);
    return new TlsConfig(path, cert, key, ca, clientAuth, protocols, handshake, reload);
  }

  /** The key path of one of this object's keys, e.g. {@code listeners[0].tls.keyPath}. */
  public String child(String key) {
    return path + "." + key;
  }
}
