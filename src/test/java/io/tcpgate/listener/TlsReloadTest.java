package io.tcpgate.listener;

import io.tcpgate.admission.RefusalReason;
import io.tcpgate.listener.TlsListenerTest.TlsClient;
import io.tcpgate.metrics.ListenerStats;
import io.tcpgate.testing.TestCertificates;
import io.tcpgate.testing.TestCertificates.Issued;
import io.tcpgate.testing.TestGateway;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * New TLS files are picked up while the gateway runs, in the layout of a mounted Kubernetes Secret: the configured
 * paths go through a directory symlink ({@code current/tls.crt}) that is replaced atomically. New connections get the
 * new certificate on every NetServer instance, open ones keep theirs; broken files are rejected once and the
 * certificate in use stays.
 */
@ExtendWith(VertxExtension.class)
class TlsReloadTest {

  private static final long RELOAD_CHECK_MS = 100;
  /** How long a reload may take to be seen: many check periods. */
  private static final long RELOAD_WAIT_MS = 5_000;
  private static final BigInteger ONE = BigInteger.ONE;

  private static TestCertificates certs;
  private static Issued first;
  private static Issued device;

  @TempDir
  Path dir;
  private Path current;
  private TestGateway gw;
  private ListenerStats tls;
  private ListenerStats mtls;

  @BeforeAll
  static void certificates() {
    certs = TestCertificates.newCa("tcpgate reload CA");
    first = certs.server(1, "gw.test");
    device = certs.client("device-7", 7);
  }

  @BeforeEach
  void setUp() throws Exception {
    TestCertificates.writeAtomically(dir.resolve("ca.crt"), certs.caPem());
    current = dir.resolve("current");
    Files.createSymbolicLink(current, version("v1", first).getFileName());
    gw = new TestGateway();
    gw.vertx().eventBus().consumer("echo", m -> m.reply(m.body()));
    JsonObject tlsFiles = TlsListenerTest.tls(current.resolve("tls.crt"), current.resolve("tls.key"), null, "none")
      .put("reloadCheckMs", RELOAD_CHECK_MS);
    gw.start(TestGateway.config(
        TestGateway.listener("tls", "echo").put("tls", tlsFiles),
        TestGateway.listener("mtls", "echo").put("tls", tlsFiles.copy().put("clientAuth", "required")
          .put("caPath", dir.resolve("ca.crt").toString()))))
      .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    tls = gw.stats().listener("tls");
    mtls = gw.stats().listener("mtls");
  }

  @AfterEach
  void tearDown(VertxTestContext ctx) {
    gw.close().onComplete(ctx.succeedingThenComplete());
  }

  /** Writes {@code issued} into a new directory {@code name} beside {@code current}. */
  private Path version(String name, Issued issued) throws IOException {
    Path version = Files.createDirectory(dir.resolve(name));
    issued.write(version.resolve("tls.crt"), version.resolve("tls.key"));
    return version;
  }

  /** Points {@code current} at {@code version} in one rename, as the kubelet does with a Secret's {@code ..data}. */
  private void swapTo(Path version) throws IOException {
    Path link = Files.createSymbolicLink(dir.resolve(".current-" + version.getFileName()), version.getFileName());
    Files.move(link, current, StandardCopyOption.ATOMIC_MOVE);
  }

  private TlsClient connect(String listener, Issued client) throws IOException {
    return TlsClient.connect(certs.clientContext(client), gw.port(listener), "gw.test");
  }

  /** The serial of the certificate a new connection to {@code listener} gets; the connection also works. */
  private BigInteger newConnectionSerial(String listener) throws IOException {
    return TlsClient.serialOfNewConnection(certs.clientContext(listener.equals("mtls") ? device : null),
      gw.port(listener), "gw.test");
  }

  @Test
  void rotation_newConnectionsOnEveryInstanceGetTheNewCertificate_openOnesKeepTheOld() throws Exception {
    try (TlsClient before = connect("tls", null)) {
      assertThat(before.serverSerial()).isEqualTo(ONE);
      assertThat(before.exchange("a1")).isEqualTo("a1");
      Issued second = certs.server(2, "gw.test", Duration.ofDays(1));
      swapTo(version("v2", second));
      TestGateway.await("rotation applied on 'tls'", RELOAD_WAIT_MS, () -> tls.tlsReloads(true) == 1);
      try (TlsClient after = connect("tls", null)) {
        assertThat(after.serverSerial()).isEqualTo(BigInteger.TWO);
        assertThat(after.exchange("b1")).isEqualTo("b1");
      }
      assertThat(before.exchange("a2")).as("the open connection still works").isEqualTo("a2");
      assertThat(before.serverSerial()).isEqualTo(ONE);
      // Vert.x hands connections to the instances in turn: 8 in a row reach both of them
      assertThat(gw.gateway().listeners().get(0).instances()).isEqualTo(TestGateway.EVENT_LOOPS);
      for (int i = 0; i < 8; i++) {
        assertThat(newConnectionSerial("tls")).as("new connection " + i).isEqualTo(BigInteger.TWO);
      }
      double expected = (second.certificate().getNotAfter().getTime() - System.currentTimeMillis()) / 1000.0;
      assertThat(tls.certificateExpirySeconds()).as("the expiry gauge follows the new certificate")
        .isCloseTo(expected, Offset.offset(5.0));
    }
    assertThat(tls.tlsReloads(true)).isEqualTo(1);
  }

  @Test
  void rotation_keepsClientAuthRequired() throws Exception {
    swapTo(version("v2", certs.server(2, "gw.test")));
    TestGateway.await("rotation applied on 'mtls'", RELOAD_WAIT_MS, () -> mtls.tlsReloads(true) == 1);
    assertThat(newConnectionSerial("mtls")).isEqualTo(BigInteger.TWO);
    try (TlsClient anonymous = TlsClient.open(certs.clientContext(null), gw.port("mtls"), "gw.test")) {
      TlsListenerTest.assertRefusedInHandshake(anonymous);
    }
    TestGateway.await("tls-handshake refusal counted", 5_000,
      () -> mtls.refusals(RefusalReason.TLS_HANDSHAKE) == 1);
  }

  @Test
  void keyOfAnotherCertificate_isRejectedOnce_andTheOldCertificateStays() throws Exception {
    double expiryBefore = tls.certificateExpirySeconds();
    TestCertificates.writeAtomically(current.resolve("tls.key"), TestCertificates.strayKeyPem());
    TestGateway.await("bad key rejected", RELOAD_WAIT_MS, () -> tls.tlsReloads(false) == 1);
    assertThat(newConnectionSerial("tls")).isEqualTo(ONE);
    assertThat(newConnectionSerial("mtls")).isEqualTo(ONE);
    // the same bad files, checked again and again, are not counted again: a window of several checks
    Thread.sleep(5 * RELOAD_CHECK_MS);
    assertThat(tls.tlsReloads(false)).isEqualTo(1);
    // the same key in another encoding: files that differ from those in use and check out, only the key file changed
    TestCertificates.writeAtomically(current.resolve("tls.key"), first.sec1KeyPem());
    TestGateway.await("fixed key applied", RELOAD_WAIT_MS, () -> tls.tlsReloads(true) == 1);
    assertThat(tls.tlsReloads(false)).as("the bad files were counted once in all those checks").isEqualTo(1);
    assertThat(newConnectionSerial("tls")).isEqualTo(ONE);
    assertThat(tls.certificateExpirySeconds()).isCloseTo(expiryBefore, Offset.offset(5.0));
  }

  @Test
  void garbageInTheCertificateFile_isRejected_andTheOldCertificateStays() throws Exception {
    TestCertificates.writeAtomically(current.resolve("tls.crt"), "this is not a PEM certificate\n");
    TestGateway.await("garbage rejected on both listeners", RELOAD_WAIT_MS,
      () -> tls.tlsReloads(false) == 1 && mtls.tlsReloads(false) == 1);
    assertThat(newConnectionSerial("tls")).isEqualTo(ONE);
    assertThat(newConnectionSerial("mtls")).isEqualTo(ONE);
    assertThat(tls.tlsReloads(true)).isZero();
    assertThat(tls.certificateExpirySeconds()).isPositive();
  }
}
