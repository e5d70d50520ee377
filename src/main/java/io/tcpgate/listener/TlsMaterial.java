package io.tcpgate.listener;

import io.tcpgate.config.ConfigException;
import io.tcpgate.config.TlsConfig;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.ServerSSLOptions;

import javax.net.ssl.KeyManager;
import javax.net.ssl.X509KeyManager;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.HashSet;
import java.util.concurrent.TimeUnit;

/**
 * The contents of a listener's TLS files, read and checked together: the certificate chain parses, the private key
 * is the certificate's (it signs, the certificate's public key verifies), the CA file parses. The SSL options built
 * from it carry the bytes that were checked, not the paths, so a file replaced between the check and its use
 * cannot slip in unchecked.
 */
public final class TlsMaterial {

  private static final String[] KEY_TYPES = {"RSA", "EC", "EdDSA", "Ed25519", "Ed448", "RSASSA-PSS", "DSA"};

  private final TlsConfig config;
  private final byte[] cert;
  private final byte[] key;
  private final byte[] ca;
  private final X509Certificate leaf;

  private TlsMaterial(TlsConfig config, byte[] cert, byte[] key, byte[] ca, X509Certificate leaf) {
    this.config = config;
    this.cert = cert;
    this.key = key;
    this.ca = ca;
    this.leaf = leaf;
  }

  /**
   * Reads and checks the files; blocking, so call it on a worker thread.
   *
   * @throws ConfigException naming the key of the file at fault and why
   */
  static TlsMaterial read(Vertx vertx, TlsConfig config) {
    return check(vertx, config, readContents(config));
  }

  /**
   * Checks contents read by {@link #readContents} (certificate, key, CA or {@code null}); CPU only.
   *
   * @throws ConfigException naming the key of the file at fault and why
   */
  static TlsMaterial check(Vertx vertx, TlsConfig config, byte[][] contents) {
    byte[] cert = contents[0];
    byte[] key = contents[1];
    byte[] ca = contents[2];
    X509Certificate leaf = leafOf(config, cert);
    checkKeyMatches(vertx, config, cert, key, leaf);
    if (ca != null) {
      try {
        new PemTrustOptions().addCertValue(Buffer.buffer(ca)).getTrustManagerFactory(vertx);
        if (CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(ca)).isEmpty()) {
          throw new ConfigException(config.child("caPath"), config.caPath() + " holds no PEM certificate");
        }
      } catch (ConfigException e) {
        throw e;
      } catch (Exception e) {
        throw new ConfigException(config.child("caPath"), config.caPath() + " is not a PEM CA certificate: "
          + e.getMessage());
      }
    }
    return new TlsMaterial(config, cert, key, ca, leaf);
  }

  /** Whether the files held exactly these bytes when read. */
  boolean sameContents(byte[][] contents) {
    return Arrays.deepEquals(new byte[][] {cert, key, ca}, contents);
  }

  /** Reads the files' bytes as they are now, unchecked; blocking. */
  static byte[][] readContents(TlsConfig config) {
    return new byte[][] {
      readFile(config, "certPath", config.certPath()),
      readFile(config, "keyPath", config.keyPath()),
      config.caPath() == null ? null : readFile(config, "caPath", config.caPath())
    };
  }

  /** The certificate new connections get. */
  X509Certificate leaf() {
    return leaf;
  }

  /** Makes {@code options} (a listener instance's) serve this material with the listener's TLS settings. */
  void applyTo(NetServerOptions options) {
    ServerSSLOptions ssl = sslOptions();
    options.setSsl(true)
      .setSni(ssl.isSni())
      .setClientAuth(ssl.getClientAuth())
      .setKeyCertOptions(ssl.getKeyCertOptions())
      .setTrustOptions(ssl.getTrustOptions())
      .setEnabledSecureTransportProtocols(ssl.getEnabledSecureTransportProtocols())
      .setSslHandshakeTimeout(ssl.getSslHandshakeTimeout())
      .setSslHandshakeTimeoutUnit(ssl.getSslHandshakeTimeoutUnit());
  }

  /** Vert.x's SSL options for this material and the listener's settings. */
  ServerSSLOptions sslOptions() {
    ServerSSLOptions options = new ServerSSLOptions()
      .setKeyCertOptions(new PemKeyCertOptions().setCertValue(Buffer.buffer(cert)).setKeyValue(Buffer.buffer(key)))
      .setClientAuth(clientAuth(config.clientAuth()))
      .setSni(true)
      .setEnabledSecureTransportProtocols(new HashSet<>(config.protocols()));
    options.setSslHandshakeTimeout(config.handshakeTimeoutMs());
    options.setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
    if (ca != null) {
      options.setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(ca)));
    }
    return options;
  }

  private static ClientAuth clientAuth(TlsConfig.ClientAuthMode mode) {
    return ClientAuth.valueOf(mode.name());
  }

  private static byte[] readFile(TlsConfig config, String key, String path) {
    try {
      return Files.readAllBytes(Path.of(path));
    } catch (IOException | RuntimeException e) {
      throw new ConfigException(config.child(key), "cannot read " + path + ": " + e);
    }
  }

  private static X509Certificate leafOf(TlsConfig config, byte[] cert) {
    try {
      var chain = CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(cert));
      if (chain.isEmpty()) {
        throw new ConfigException(config.child("certPath"), config.certPath() + " holds no PEM certificate");
      }
      return (X509Certificate) chain.iterator().next();
    } catch (ConfigException e) {
      throw e;
    } catch (Exception e) {
      throw new ConfigException(config.child("certPath"), config.certPath() + " is not a PEM certificate: "
        + e.getMessage());
    }
  }

  private static void checkKeyMatches(Vertx vertx, TlsConfig config, byte[] cert, byte[] key, X509Certificate leaf) {
    PrivateKey privateKey;
    try {
      KeyManager[] managers = new PemKeyCertOptions().setCertValue(Buffer.buffer(cert)).setKeyValue(Buffer.buffer(key))
        .getKeyManagerFactory(vertx).getKeyManagers();
      privateKey = privateKeyOf((X509KeyManager) managers[0]);
    } catch (Exception e) {
      throw new ConfigException(config.child("keyPath"), config.keyPath() + " is not a PEM private key (PKCS#8,"
        + " PKCS#1 RSA or SEC1 EC) for " + config.certPath() + ": " + e.getMessage());
    }
    if (privateKey == null) {
      throw new ConfigException(config.child("keyPath"), config.keyPath() + " holds no usable private key");
    }
    if (!signs(privateKey, leaf)) {
      throw new ConfigException(config.child("keyPath"), config.keyPath() + " is not the private key of the"
        + " certificate in " + config.certPath() + " (" + leaf.getSubjectX500Principal().getName() + ")");
    }
  }

  private static PrivateKey privateKeyOf(X509KeyManager manager) {
    for (String type : KEY_TYPES) {
      String[] aliases = manager.getServerAliases(type, null);
      if (aliases != null && aliases.length > 0) {
        return manager.getPrivateKey(aliases[0]);
      }
    }
    return null;
  }

  private static boolean signs(PrivateKey key, Certificate certificate) {
    byte[] challenge = new byte[32];
    new SecureRandom().nextBytes(challenge);
    try {
      Signature signer = Signature.getInstance(algorithm(key));
      signer.initSign(key);
      signer.update(challenge);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm(key));
      verifier.initVerify(certificate.getPublicKey());
      verifier.update(challenge);
      return verifier.verify(signature);
    } catch (Exception e) {
      return false;
    }
  }

  private static String algorithm(PrivateKey key) {
    switch (key.getAlgorithm()) {
      case "RSA":
        return "SHA256withRSA";
      case "EC":
        return "SHA256withECDSA";
      case "DSA":
        return "SHA256withDSA";
      case "RSASSA-PSS":
        return "RSASSA-PSS";
      default:
        return key.getAlgorithm();
    }
  }
}
