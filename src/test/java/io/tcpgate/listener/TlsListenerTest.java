package io.tcpgate.listener;

import io.tcpgate.admission.RefusalReason;
import io.tcpgate.bus.GatewayHeaders;
import io.tcpgate.config.ConfigException;
import io.tcpgate.metrics.ListenerStats;
import io.tcpgate.testing.RawClient;
import io.tcpgate.testing.TestCertificates;
import io.tcpgate.testing.TestCertificates.Issued;
import io.tcpgate.testing.TestGateway;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * TLS on a listener, against real clients: the JDK's TLS stack and {@code openssl s_client}. Client certificates
 * and SNI reach workers as headers; a failed or slow handshake is refused, counted as {@code tls-handshake}, and
 * leaves nothing held; broken TLS files fail the start with the key path; the expiry gauge is exported.
 */
@ExtendWith(VertxExtension.class)
class TlsListenerTest {

  /** The client certificate's subject as the gateway writes it (Java's RFC 2253 form). */
  static final String DEVICE_SUBJECT = "CN=device-7,O=tcpgate tests";
  private static final long HANDSHAKE_TIMEOUT_MS = 300;

  @TempDir
  static Path files;
  private static TestCertificates certs;
  private static Issued server;
  private static Issued device;
  private static Path caFile;
  private static Path certFile;
  private static Path keyFile;

  private TestGateway gw;

  @BeforeAll
  static void certificates() {
    certs = TestCertificates.newCa("tcpgate test CA");
    server = certs.server(1, "gw.test");
    device = certs.client("device-7", 7);
    caFile = files.resolve("ca.crt");
    certFile = files.resolve("tls.crt");
    keyFile = files.resolve("tls.key");
    TestCertificates.writeAtomically(caFile, certs.caPem());
    server.write(certFile, keyFile);
    device.write(files.resolve("client.crt"), files.resolve("client.key"));
  }

  /** {@code tls} settings for the test files; the reloader is off here (TlsReloadTest covers it). */
  static JsonObject tls(Path cert, Path key, Path ca, String clientAuth) {
    JsonObject tls = new JsonObject().put("certPath", cert.toString()).put("keyPath", key.toString())
      .put("clientAuth", clientAuth).put("reloadCheckMs", 0);
    if (ca != null) {
      tls.put("caPath", ca.toString());
    }
    return tls;
  }

  /** Replies {@code body|peer-subject|sni}; closes after replying to {@code bye}. */
  static void registerWho(TestGateway gw) {
    gw.vertx().eventBus().consumer("who", m -> {
      String body = m.body().toString();
      String reply = body + "|" + m.headers().get(GatewayHeaders.PEER_SUBJECT) + "|"
        + m.headers().get(GatewayHeaders.SNI);
      if (body.equals("bye")) {
        m.reply(reply, GatewayHeaders.closeAfterReply());
      } else {
        m.reply(reply);
      }
    });
  }

  /** Starts the gateway with the named listeners of {@link #listener(String)}. */
  private void start(String... listeners) throws Exception {
    gw = new TestGateway();
    registerWho(gw);
    JsonObject[] configs = new JsonObject[listeners.length];
    for (int i = 0; i < listeners.length; i++) {
      configs[i] = listener(listeners[i]);
    }
    gw.start(TestGateway.config(configs)).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** The listeners under test, each named after what makes it different. */
  private static JsonObject listener(String name) {
    JsonObject listener = TestGateway.listener(name, "who");
    switch (name) {
      case "none":
        return listener.put("tls", tls(certFile, keyFile, null, "none"));
      case "required":
      case "request":
        return listener.put("tls", tls(certFile, keyFile, caFile, name));
      case "slow":
        return listener.put("tls", tls(certFile, keyFile, null, "none").put("handshakeTimeoutMs",
          HANDSHAKE_TIMEOUT_MS));
      case "tls12":
        return listener.put("tls", tls(certFile, keyFile, null, "none")
          .put("protocols", new JsonArray().add("TLSv1.2")));
      case "plain":
        return listener;
      default:
        throw new IllegalArgumentException(name);
    }
  }

  @AfterEach
  void tearDown(VertxTestContext ctx) {
    if (gw == null) {
      ctx.completeNow();
      return;
    }
    gw.close().onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void jdkClient_getsItsReply_andTheWorkerSeesSni_butNoSubjectWithoutClientAuth() throws Exception {
    start("none");
    try (TlsClient client = TlsClient.connect(certs.clientContext(null), gw.port("none"), "gw.test")) {
      assertThat(client.serverSerial()).isEqualTo(BigInteger.ONE);
      assertThat(client.exchange("hello")).isEqualTo("hello|null|gw.test");
    }
    try (TlsClient client = TlsClient.connect(certs.clientContext(null), gw.port("none"), null)) {
      assertThat(client.exchange("no-sni")).as("no SNI, no header").isEqualTo("no-sni|null|null");
    }
    assertThat(stats("none").accepted()).isEqualTo(2);
    assertThat(stats("none").refusals()).isZero();
  }

  @Test
  void opensslClient_withACertificate_isSeenByItsSubject() throws Exception {
    requireOpenssl();
    start("required");
    Path input = Files.writeString(files.resolve("openssl-input.txt"), "who-am-i\nbye\n");
    Path stderr = files.resolve("openssl-stderr.txt");
    Process openssl = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + gw.port("required"),
      "-servername", "gw.test", "-CAfile", caFile.toString(), "-cert", files.resolve("client.crt").toString(),
      "-key", files.resolve("client.key").toString(), "-quiet", "-verify_return_error")
      .redirectInput(input.toFile())
      .redirectError(stderr.toFile())
      .start();
    // -quiet ignores the end of stdin; the worker's reply to "bye" closes the connection, and openssl exits
    boolean exited = openssl.waitFor(10, TimeUnit.SECONDS);
    if (!exited) {
      openssl.destroyForcibly();
    }
    String out = new String(openssl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(exited).as("openssl exited; stdout: " + out + "; stderr: " + Files.readString(stderr)).isTrue();
    assertThat(out.lines().toList()).as("stderr: " + Files.readString(stderr)).containsExactly(
      "who-am-i|" + DEVICE_SUBJECT + "|gw.test",
      "bye|" + DEVICE_SUBJECT + "|gw.test");
    assertThat(stats("required").accepted()).isEqualTo(1);
  }

  @Test
  void clientAuthRequired_refusesAClientWithoutCertificate_andHoldsNothing() throws Exception {
    start("required");
    try (TlsClient client = TlsClient.open(certs.clientContext(null), gw.port("required"), "gw.test")) {
      assertRefusedInHandshake(client);
    }
    TestGateway.await("tls-handshake refusal counted", 5_000,
      () -> stats("required").refusals(RefusalReason.TLS_HANDSHAKE) == 1);
    assertNothingHeld("required");
    assertThat(stats("required").accepted()).isZero();
    assertThat(stats("required").refusals()).isEqualTo(1);
    try (TlsClient client = TlsClient.connect(certs.clientContext(device), gw.port("required"), null)) {
      assertThat(client.exchange("with-cert")).isEqualTo("with-cert|" + DEVICE_SUBJECT + "|null");
    }
  }

  @Test
  void clientAuthRequest_admitsAClientWithoutCertificate_andNamesOneWithIt() throws Exception {
    start("request");
    try (TlsClient anonymous = TlsClient.connect(certs.clientContext(null), gw.port("request"), "gw.test");
         TlsClient known = TlsClient.connect(certs.clientContext(device), gw.port("request"), "gw.test")) {
      assertThat(anonymous.exchange("a")).isEqualTo("a|null|gw.test");
      assertThat(known.exchange("b")).isEqualTo("b|" + DEVICE_SUBJECT + "|gw.test");
    }
    assertThat(stats("request").accepted()).isEqualTo(2);
    // a certificate that does not chain to caPath is refused, not ignored
    Issued stranger = TestCertificates.newCa("another CA").client("stranger", 9);
    try (TlsClient client = TlsClient.open(certs.clientContext(stranger), gw.port("request"), "gw.test")) {
      assertRefusedInHandshake(client);
    }
    TestGateway.await("tls-handshake refusal counted", 5_000,
      () -> stats("request").refusals(RefusalReason.TLS_HANDSHAKE) == 1);
    assertNothingHeld("request");
    assertThat(stats("request").accepted()).isEqualTo(2);
  }

  @Test
  void silentClient_andPartialClientHello_areClosedAtTheHandshakeDeadline() throws Exception {
    start("slow");
    long silent = millisUntilClosed(new byte[0]);
    // a TLS record header announcing 200 bytes of ClientHello, then nothing more
    long partial = millisUntilClosed(new byte[] {0x16, 0x03, 0x01, 0x00, (byte) 0xc8, 0x01, 0x00});
    assertThat(silent).as("silent client closed after (ms)").isBetween(HANDSHAKE_TIMEOUT_MS - 20, 5_000L);
    assertThat(partial).as("partial ClientHello closed after (ms)").isBetween(HANDSHAKE_TIMEOUT_MS - 20, 5_000L);
    TestGateway.await("two tls-handshake refusals", 5_000,
      () -> stats("slow").refusals(RefusalReason.TLS_HANDSHAKE) == 2);
    assertNothingHeld("slow");
    assertThat(stats("slow").accepted()).isZero();
  }

  @Test
  void plaintextClient_isRefusedAtOnce_andHoldsNothing() throws Exception {
    start("none");
    long start = System.nanoTime();
    byte[] received;
    try (RawClient client = RawClient.connect(gw.port("none"))) {
      client.send("hello\n");
      received = readUntilClosed(client.socket(), 5_000);
    }
    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(elapsedMs).as("closed well before the 10 s handshake deadline").isLessThan(5_000);
    assertThat(new String(received, StandardCharsets.ISO_8859_1)).doesNotContain("hello").doesNotContain("ERR");
    TestGateway.await("tls-handshake refusal counted", 5_000,
      () -> stats("none").refusals(RefusalReason.TLS_HANDSHAKE) == 1);
    assertNothingHeld("none");
    assertThat(stats("none").accepted()).isZero();
  }

  @Test
  void protocols_limitWhatIsNegotiated_andAClientWithNoneInCommonIsRefused() throws Exception {
    start("tls12");
    try (TlsClient client = TlsClient.connect(certs.clientContext(null), gw.port("tls12"), null)) {
      assertThat(client.socket.getSession().getProtocol()).isEqualTo("TLSv1.2");
      assertThat(client.exchange("old")).isEqualTo("old|null|null");
    }
    try (TlsClient client = TlsClient.open(certs.clientContext(null), gw.port("tls12"), null)) {
      client.socket.setEnabledProtocols(new String[] {"TLSv1.3"});
      assertRefusedInHandshake(client);
    }
    TestGateway.await("tls-handshake refusal counted", 5_000,
      () -> stats("tls12").refusals(RefusalReason.TLS_HANDSHAKE) == 1);
    assertNothingHeld("tls12");
    assertThat(stats("tls12").accepted()).isEqualTo(1);
  }

  @Test
  void keyOfAnotherCertificate_failsTheStart_namingKeyPath() throws Exception {
    Path strayKey = Files.writeString(files.resolve("stray.key"), TestCertificates.strayKeyPem());
    assertStartFails(tls(certFile, strayKey, null, "none"), "listeners[0].tls.keyPath",
      "is not the private key of the certificate");
  }

  @Test
  void missingCertificateFile_failsTheStart_namingCertPath() throws Exception {
    assertStartFails(tls(files.resolve("no-such.crt"), keyFile, null, "none"), "listeners[0].tls.certPath",
      "cannot read");
  }

  @Test
  void brokenTlsFilesOfALaterListener_unbindTheListenersBoundBefore() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      port = probe.getLocalPort();
    }
    gw = new TestGateway();
    JsonObject config = TestGateway.config(
      TestGateway.listener("first", "who").put("port", port),
      TestGateway.listener("broken", "who").put("tls", tls(files.resolve("no-such.crt"), keyFile, null, "none")));
    assertThatThrownBy(() -> gw.start(config).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS))
      .isInstanceOf(ExecutionException.class)
      .cause().isInstanceOf(ConfigException.class)
      .hasMessageStartingWith("listeners[1].tls.certPath: ");
    try (ServerSocket again = new ServerSocket()) {
      again.bind(new InetSocketAddress("127.0.0.1", port));
      assertThat(again.isBound()).as("the first listener's port is free again").isTrue();
    }
    assertThat(gw.stats().listener("first").servers()).isZero();
  }

  @Test
  void expiryGauge_countsDownToTheServedCertificatesNotAfter_andIsExported() throws Exception {
    start("none", "plain");
    double expected = (server.certificate().getNotAfter().getTime() - System.currentTimeMillis()) / 1000.0;
    assertThat(stats("none").certificateExpirySeconds()).isCloseTo(expected, Offset.offset(5.0));
    String scrape = gw.app().registry().scrape();
    Matcher m = Pattern.compile("^tcpgate_tls_certificate_expiry_seconds\\{listener=\"none\"} (\\S+)$",
      Pattern.MULTILINE).matcher(scrape);
    assertThat(m.find()).as("expiry gauge of listener 'none' in:\n" + scrape).isTrue();
    assertThat(Double.parseDouble(m.group(1))).isCloseTo(expected, Offset.offset(5.0));
    assertThat(scrape).contains("tcpgate_tls_reloads_total{listener=\"none\",result=\"applied\"} 0.0")
      .doesNotContain("tcpgate_tls_certificate_expiry_seconds{listener=\"plain\"}");
    assertThat(stats("plain").certificateExpirySeconds()).isNaN();
  }

  private ListenerStats stats(String listener) {
    return gw.stats().listener(listener);
  }

  private RunningListener running(String name) {
    return gw.gateway().listeners().stream().filter(l -> l.config().name().equals(name)).findFirst().orElseThrow();
  }

  /** No connection open, no timer, no request in flight, and the listener's admission ticket was given back. */
  private void assertNothingHeld(String listener) throws InterruptedException {
    TestGateway.await("admission ticket of '" + listener + "' released", 5_000,
      () -> running(listener).admission().open() == 0);
    ListenerStats stats = stats(listener);
    assertThat(stats.openConnections()).isZero();
    assertThat(stats.pendingTimers()).isZero();
    assertThat(stats.inFlight()).isZero();
    gw.awaitNothingHeld(5_000);
  }

  private void assertStartFails(JsonObject tls, String keyPath, String why) throws Exception {
    gw = new TestGateway();
    JsonObject config = TestGateway.config(TestGateway.listener("broken", "who").put("tls", tls));
    assertThatThrownBy(() -> gw.start(config).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS))
      .isInstanceOf(ExecutionException.class)
      .cause().isInstanceOf(ConfigException.class)
      .hasMessageStartingWith(keyPath + ": ")
      .hasMessageContaining(why);
    assertThat(gw.stats().listener("broken").servers()).isZero();
    assertThat(gw.gateway()).isNull();
  }

  /** Connects to the "slow" listener, sends {@code bytes}, and measures how long until the server closes. */
  private long millisUntilClosed(byte[] bytes) throws IOException {
    long start = System.nanoTime();
    try (RawClient client = RawClient.connect(gw.port("slow"))) {
      if (bytes.length > 0) {
        client.send(bytes);
      }
      byte[] received = readUntilClosed(client.socket(), 5_000);
      assertThat(received).as("nothing but perhaps a TLS alert").hasSizeLessThan(16);
    }
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
  }

  /** Reads until end of stream or reset; fails if the server keeps the connection open longer than {@code ms}. */
  static byte[] readUntilClosed(Socket socket, int ms) throws IOException {
    socket.setSoTimeout(ms);
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    InputStream in = socket.getInputStream();
    byte[] chunk = new byte[256];
    try {
      int n;
      while ((n = in.read(chunk)) >= 0) {
        received.write(chunk, 0, n);
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("the server kept the connection open for " + ms + " ms", e);
    } catch (IOException e) {
      // a reset is a close too
    }
    return received.toByteArray();
  }

  /**
   * The handshake fails, or (TLS 1.3, where the client finishes first) the first exchange does: the client gets an
   * alert, an end of stream or a reset, never a reply.
   */
  static void assertRefusedInHandshake(TlsClient client) {
    String reply;
    try {
      client.socket.startHandshake();
      reply = client.exchange("let-me-in");
    } catch (IOException refused) {
      return;
    }
    throw new AssertionError("the client was served: " + reply);
  }

  /** A blocking JDK TLS client on loopback, with bounded reads. */
  static final class TlsClient implements AutoCloseable {

    final SSLSocket socket;

    private TlsClient(SSLSocket socket) {
      this.socket = socket;
    }

    /** Connects, sends {@code sni} when not null, and completes the handshake. */
    static TlsClient connect(SSLContext context, int port, String sni) throws IOException {
      TlsClient client = open(context, port, sni);
      client.socket.startHandshake();
      return client;
    }

    /** Connects and sets {@code sni}; the handshake starts with the first read, write or {@code startHandshake}. */
    static TlsClient open(SSLContext context, int port, String sni) throws IOException {
      SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket();
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      socket.setSoTimeout(5_000);
      socket.setTcpNoDelay(true);
      if (sni != null) {
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setServerNames(List.of(new SNIHostName(sni)));
        socket.setSSLParameters(parameters);
      }
      return new TlsClient(socket);
    }

    /**
     * The serial number of the certificate a new connection gets; the connection must also work (a {@code ping} is
     * echoed).
     */
    static BigInteger serialOfNewConnection(SSLContext context, int port, String sni) throws IOException {
      try (TlsClient client = connect(context, port, sni)) {
        assertThat(client.exchange("ping")).isEqualTo("ping");
        return client.serverSerial();
      }
    }

    /** The serial number of the certificate the server presented. */
    BigInteger serverSerial() throws IOException {
      return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
    }

    /** Sends {@code line} and reads the reply line; end of stream is an {@link IOException}. */
    String exchange(String line) throws IOException {
      socket.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
      socket.getOutputStream().flush();
      return RawClient.readLine(socket);
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  /**
   * openssl is needed for the s_client test. CI installs it (.ci/run), and there a missing openssl fails the test; on a
   * developer machine with only a JDK and Maven the test is skipped with the same message.
   */
  private static void requireOpenssl() throws IOException, InterruptedException {
    Process which = new ProcessBuilder("bash", "-c", "command -v openssl").redirectErrorStream(true).start();
    boolean present = which.waitFor(10, TimeUnit.SECONDS) && which.exitValue() == 0;
    String message = "openssl is not installed: the s_client test needs it (Debian/Ubuntu: apt-get install openssl;"
      + " .ci/run installs it)";
    if ("true".equals(System.getenv("CI"))) {
      assertThat(present).as(message).isTrue();
    } else {
      Assumptions.assumeTrue(present, message);
    }
  }
}
