package io.tcpgate.testing;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
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

    public BigInteger serial() {
      return certificate.getSerialNumber();
    }

    /** Writes {@code cert} and {@code key} PEM files. */
    public void write(Path cert, Path key) {
      writeAtomically(cert, certPem());
      writeAtomically(key, keyPem());
    }
  }

  private final Issued ca;

  private TestCertificates(Issued ca) {
    this.ca = ca;
  }

  /** A new CA named {@code name}. */
  public static TestCertificates newCa(String name) {
    KeyPair keys = ecKeys();
    X500Name subject = new X500Name("O=tcpgate tests,CN=" + name);
    return new TestCertificates(new Issued(sign(subject, keys, subject, keys, BigInteger.ONE, true, null), keys));
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
    KeyPair keys = ecKeys();
    GeneralNames names = new GeneralNames(new GeneralName[] {
      new GeneralName(GeneralName.dNSName, "localhost"),
      new GeneralName(GeneralName.dNSName, extraDnsName),
      new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
      new GeneralName(GeneralName.iPAddress, "::1")
    });
    return new Issued(sign(new X500Name("O=tcpgate tests,CN=localhost"), keys, subject(ca), ca.keys,
      BigInteger.valueOf(serial), false, names), keys);
  }

  /**
   * A client certificate whose subject reads {@code CN=commonName,O=tcpgate tests} in RFC 2253 (most significant
   * part, O, encoded first, as CAs do).
   */
  public Issued client(String commonName, long serial) {
    KeyPair keys = ecKeys();
    return new Issued(sign(new X500Name("O=tcpgate tests,CN=" + commonName), keys, subject(ca), ca.keys,
      BigInteger.valueOf(serial), false, null), keys);
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

  private static X500Name subject(Issued issued) {
    return X500Name.getInstance(issued.certificate.getSubjectX500Principal().getEncoded());
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
                                      BigInteger serial, boolean ca, GeneralNames names) {
    try {
      Instant now = Instant.now();
      JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer, serial,
        Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(2))), subject,
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
