package io.tcpgate.testing;

import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

/**
 * Test certificates, generated in memory for each test run and written as PEM files in the layout of a Kubernetes
 * TLS Secret ({@code tls.crt}, {@code tls.key}, {@code ca.crt}): a CA, server certificates for {@code localhost},
 * {@code 127.0.0.1} and {@code ::1} with chosen serial numbers, and client certificates. Never real keys.
 */
public final class TestCertificates {

  /** A certificate and its key. */
  public record Issued(X509Certificate certificate, KeyPair keys) {

    /** The certificate, PEM. */
    public String certPem() {
      return pem(certificate);
    }

    /** The private key, PEM (PKCS#8). */
    public String keyPem() {
      try {
        return pem(new JcaPKCS8Generator(keys.getPrivate(), null).generate());
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }

    /**
     * The same private key in SEC1 form ({@code EC PRIVATE KEY}, as {@code openssl ecparam -genkey} writes it, with
     * the curve and the public key): other bytes, the same key.
     */
    public String sec1KeyPem() {
      try {
        ECPrivateKey key = (ECPrivateKey) keys.getPrivate();
        ASN1Encodable curve = PrivateKeyInfo.getInstance(key.getEncoded()).getPrivateKeyAlgorithm().getParameters();
        var publicKey = SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded()).getPublicKeyData();
        var sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(key.getParams().getOrder().bitLength(), key.getS(),
          publicKey, curve);
        return pem(new PemObject("EC PRIVATE KEY", sec1.getEncoded()));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    public BigInteger serial() {
      return certificate.getSerialNumber();
    }

    /** Writes {@code cert} and {@code key} PEM files. */
    public void write(Path cert, Path key) {
      writeAtomically(cert, certPem());
      writeAtomically(key, keyPem());
    }
  }

  /** How long certificates are valid unless a test says otherwise. */
  public static final Duration VALIDITY = Duration.ofDays(2);

  private final Issued ca;

  private TestCertificates(Issued ca) {
    this.ca = ca;
  }

  /** A new CA named {@code name}. */
  public static TestCertificates newCa(String name) {
    KeyPair keys = ecKeys();
    X500Name subject = name(name);
    return new TestCertificates(new Issued(sign(subject, keys, subject, keys, BigInteger.ONE, true, null, VALIDITY),
      keys));
  }

  public Issued ca() {
    return ca;
  }

  /** The CA certificate, PEM. */
  public String caPem() {
    return ca.certPem();
  }

  /** A server certificate for localhost, 127.0.0.1, ::1 and {@code extraDnsName}, with {@code serial}. */
  public Issued server(long serial, String extraDnsName) {
    return server(serial, extraDnsName, VALIDITY);
  }

  /** {@link #server(long, String)}, valid until {@code validFor} from now (to tell certificates apart by expiry). */
  public Issued server(long serial, String extraDnsName, Duration validFor) {
    KeyPair keys = ecKeys();
    GeneralNames names = new GeneralNames(new GeneralName[] {
      new GeneralName(GeneralName.dNSName, "localhost"),
      new GeneralName(GeneralName.dNSName, extraDnsName),
      new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
      new GeneralName(GeneralName.iPAddress, "::1")
    });
    return new Issued(sign(name("localhost"), keys, subject(ca), ca.keys,
      BigInteger.valueOf(serial), false, names, validFor), keys);
  }

  /** A client certificate with subject {@code CN=commonName,O=tcpgate tests} (RFC 2253, as Java prints it). */
  public Issued client(String commonName, long serial) {
    KeyPair keys = ecKeys();
    return new Issued(sign(name(commonName), keys, subject(ca), ca.keys,
      BigInteger.valueOf(serial), false, null, VALIDITY), keys);
  }

  /**
   * A client TLS context that trusts this CA only and presents {@code client} ({@code null}: no certificate) whatever
   * CAs the server names, so that a certificate the server should refuse is sent all the same.
   */
  public SSLContext clientContext(Issued client) {
    try {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry("ca", ca.certificate);
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(client == null ? null : new KeyManager[] {new FixedKeyManager(client)}, tmf.getTrustManagers(),
        null);
      return context;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Always presents one certificate, unlike the JDK's key managers, which skip one the server did not ask for. */
  private static final class FixedKeyManager extends X509ExtendedKeyManager {
    private static final String ALIAS = "client";
    private final Issued issued;

    FixedKeyManager(Issued issued) {
      this.issued = issued;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
      return ALIAS;
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
      return ALIAS;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return new String[] {ALIAS};
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      return null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      return new X509Certificate[] {issued.certificate};
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      return issued.keys.getPrivate();
    }
  }

  /** A key pair that belongs to no certificate, PEM (PKCS#8). */
  public static String strayKeyPem() {
    return new Issued(null, ecKeys()).keyPem();
  }

  /** Writes {@code text} to {@code path} through a rename, so that a reader sees the old or the new file whole. */
  public static void writeAtomically(Path path, String text) {
    try {
      Path tmp = Files.createTempFile(path.getParent(), ".tmp-", ".pem");
      Files.writeString(tmp, text);
      Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The issuer name exactly as encoded in the issuer's certificate: re-parsing its RFC 2253 string would reverse the
   * order of the names, and chains would no longer build.
   */
  private static X500Name subject(Issued issued) {
    return X500Name.getInstance(issued.certificate.getSubjectX500Principal().getEncoded());
  }

  /**
   * {@code CN=commonName,O=tcpgate tests} as Java prints it (RFC 2253, the most specific name first), which is encoded
   * in the opposite order: O, then CN.
   */
  private static X500Name name(String commonName) {
    return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "tcpgate tests").addRDN(BCStyle.CN, commonName)
      .build();
  }

  private static KeyPair ecKeys() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      return generator.generateKeyPair();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static X509Certificate sign(X500Name subject, KeyPair subjectKeys, X500Name issuer, KeyPair issuerKeys,
                                      BigInteger serial, boolean ca, GeneralNames names, Duration validFor) {
    try {
      Instant now = Instant.now();
      JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer, serial,
        Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(validFor)), subject,
        subjectKeys.getPublic());
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
      if (!ca) {
        builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
          new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
      }
      if (names != null) {
        builder.addExtension(Extension.subjectAlternativeName, false, names);
      }
      ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate());
      X509CertificateHolder holder = builder.build(signer);
      return new JcaX509CertificateConverter().getCertificate(holder);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String pem(Object object) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(object);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }
}
