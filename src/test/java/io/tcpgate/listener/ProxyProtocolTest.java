package io.tcpgate.listener;

import io.tcpgate.admission.Admission;
import io.tcpgate.admission.RefusalReason;
import io.tcpgate.bus.GatewayHeaders;
import io.tcpgate.metrics.ListenerStats;
import io.tcpgate.testing.ProxyHeaders;
import io.tcpgate.testing.ProxyHeaders.Tlv;
import io.tcpgate.testing.TestCertificates;
import io.tcpgate.testing.RawClient;
import io.tcpgate.testing.TestGateway;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static io.tcpgate.testing.Bytes.concat;
import static io.tcpgate.testing.ProxyHeaders.address;
import static io.tcpgate.testing.ProxyHeaders.ascii;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * PROXY protocol listeners, with headers written by a raw client: the worker sees the client the header names and
 * the proxy as the peer; untrusted peers, late, malformed and missing headers are refused and counted; the rules
 * and per-address limits apply to the header's client; TLS follows the header; nothing is left held.
 */
@ExtendWith(VertxExtension.class)
class ProxyProtocolTest {

  /** The only peer allowed to send a header. */
  private static final String PROXY = "127.0.0.1";
  /** Another address of this machine's loopback: a peer outside trustedCidrs, or a second client. */
  private static final String OTHER = "127.0.0.2";
  private static final long SHORT_DEADLINE_MS = 300;
  private static final long STRICT_DEADLINE_MS = 1_500;
  private static final InetSocketAddress DESTINATION_V4 = address("10.0.0.10", 7000);
  private static final InetSocketAddress DESTINATION_V6 = address("2001:db8::10", 7000);
  private static final Tlv[] TLVS = {
    Tlv.of(0x01, "h2"),                      // PP2_TYPE_ALPN
    Tlv.of(0x02, "gateway.example"),         // PP2_TYPE_AUTHORITY
    new Tlv(0x04, new byte[3]),              // PP2_TYPE_NOOP
    Tlv.of(0xE0, "tcpgate custom tlv")       // PP2_TYPE_MIN_CUSTOM
  };
  private static final String[] LISTENERS = {"proxy", "untrusted", "deadline", "strict", "rules", "perip",
    "message", "full", "tls", "leak"};

  private static TestGateway gw;
  private static TestCertificates certificates;
  private static TestCertificates.Issued server;
  /** Frames the worker saw, per listener. */
  private static final Map<String, AtomicInteger> frames = new ConcurrentHashMap<>();
  private static final LinkedBlockingQueue<JsonObject> events = new LinkedBlockingQueue<>();

  @BeforeAll
  static void startGateway(@TempDir Path dir, VertxTestContext ctx) {
    certificates = TestCertificates.newCa("proxy-protocol-test-ca");
    Path cert = dir.resolve("tls.crt");
    Path key = dir.resolve("tls.key");
    server = certificates.server(2, "gateway.example");
    server.write(cert, key);
    gw = new TestGateway();
    gw.vertx().eventBus().<Object>consumer("who", m -> {
      frames.computeIfAbsent(m.headers().get(GatewayHeaders.LISTENER), l -> new AtomicInteger()).incrementAndGet();
      m.reply(m.headers().get(GatewayHeaders.REMOTE_ADDRESS) + " " + m.headers().get(GatewayHeaders.PEER_ADDRESS)
        + " " + m.headers().get(GatewayHeaders.LOCAL_ADDRESS));
    });
    gw.vertx().eventBus().<JsonObject>consumer(GatewayHeaders.EVENTS_ADDRESS, m -> events.add(m.body()));
    gw.start(TestGateway.config(
        proxied("proxy", 2_000),
        proxied("untrusted", 2_000),
        proxied("deadline", SHORT_DEADLINE_MS),
        proxied("strict", STRICT_DEADLINE_MS),
        proxied("rules", 2_000).put("admission", new JsonObject()
          .put("rules", new JsonArray().add("deny 10.9.0.0/16").add("allow all"))),
        proxied("perip", 2_000).put("admission", new JsonObject().put("maxConnectionsPerIp", 1)),
        proxied("message", 2_000).put("admission", new JsonObject()
          .put("rules", new JsonArray().add("deny 10.9.0.0/16").add("allow all")).put("onRefuse", "message")),
        proxied("full", SHORT_DEADLINE_MS).put("admission", new JsonObject().put("maxConnections", 1)
          .put("onRefuse", "message")),
        proxied("tls", SHORT_DEADLINE_MS).put("tls", new JsonObject().put("certPath", cert.toString())
          .put("keyPath", key.toString())),
        proxied("leak", 1_000).put("admission", new JsonObject().put("maxConnectionsPerIp", 1))))
      .onComplete(ctx.succeedingThenComplete());
  }

  private static JsonObject proxied(String name, long headerTimeoutMs) {
    return TestGateway.listener(name, "who").put("proxyProtocol", new JsonObject()
      .put("trustedCidrs", new JsonArray().add(PROXY + "/32")).put("headerTimeoutMs", headerTimeoutMs));
  }

  @AfterEach
  void nothingHeld() throws InterruptedException {
    gw.awaitNothingHeld(5_000);
    for (String name : LISTENERS) {
      Admission admission = gw.admission(name);
      TestGateway.await("listener '" + name + "' holds no admission ticket (open " + admission.open() + ")", 5_000,
        () -> admission.open() == 0);
    }
  }

  @AfterAll
  static void stopGateway(VertxTestContext ctx) {
    gw.close().onComplete(ctx.succeedingThenComplete());
  }

  // ---- 1, 2: the worker sees the header's client, the proxy as peer, the header's destination as local address

  static Stream<Arguments> proxiedHeaders() {
    InetSocketAddress v4 = address("10.1.2.3", 4567);
    InetSocketAddress v6 = address("2001:db8::1", 40000);
    return Stream.of(
      Arguments.of("v1 TCP4", ProxyHeaders.v1(v4, DESTINATION_V4), v4, DESTINATION_V4),
      Arguments.of("v1 TCP6", ProxyHeaders.v1(v6, DESTINATION_V6), v6, DESTINATION_V6),
      Arguments.of("v2 TCP4 + TLVs", ProxyHeaders.v2(v4, DESTINATION_V4, TLVS), v4, DESTINATION_V4),
      Arguments.of("v2 TCP6 + TLVs", ProxyHeaders.v2(v6, DESTINATION_V6, TLVS), v6, DESTINATION_V6))
      .flatMap(a -> Stream.of(true, false).map(split -> Arguments.of(a.get()[0], a.get()[1], a.get()[2], a.get()[3],
        split)));
  }

  @ParameterizedTest(name = "{0}, byte by byte: {4}")
  @MethodSource("proxiedHeaders")
  void header_namesTheClient_andTheProxyIsThePeer(String kind, byte[] header, InetSocketAddress source,
                                                   InetSocketAddress destination, boolean byteByByte)
    throws Exception {
    events.clear();
    try (Socket socket = connect(PROXY, gw.port("proxy"))) {
      byte[] wire = concat(header, ascii("first\nsecond\n"));
      if (byteByByte) {
        for (byte b : wire) {
          socket.getOutputStream().write(b);
          socket.getOutputStream().flush();
          Thread.sleep(1); // one segment per byte: the header's parts arrive in separate reads
        }
      } else {
        socket.getOutputStream().write(wire);
      }
      String peer = PROXY + ":" + socket.getLocalPort();
      for (int i = 0; i < 2; i++) {
        String[] seen = RawClient.readLine(socket).split(" ");
        assertThat(endpoint(seen[0])).as("remote address: the header's source").isEqualTo(source);
        assertThat(seen[1]).as("peer address: the proxy").isEqualTo(peer);
        assertThat(endpoint(seen[2])).as("local address: the header's destination").isEqualTo(destination);
        if (source.getAddress() instanceof java.net.Inet6Address) {
          assertThat(seen[0]).as("IPv6 in brackets").startsWith("[").contains("]:" + source.getPort());
        }
      }
      JsonObject connected = awaitEvent("connected", "proxy", peer);
      assertThat(endpoint(connected.getString("remoteAddress"))).as("event remoteAddress").isEqualTo(source);
      assertThat(endpoint(connected.getString("localAddress"))).as("event localAddress").isEqualTo(destination);
    }
  }

  // ---- 3: LOCAL and UNKNOWN keep the real peer

  static Stream<Arguments> headersWithoutAClient() {
    return Stream.of(Arguments.of("v2 LOCAL", ProxyHeaders.v2Local()),
      Arguments.of("v1 UNKNOWN", ProxyHeaders.v1Unknown()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("headersWithoutAClient")
  void localOrUnknown_keepsTheRealPeerAsRemoteAddress(String kind, byte[] header) throws Exception {
    try (Socket socket = connect(PROXY, gw.port("proxy"))) {
      socket.getOutputStream().write(concat(header, ascii("ping\n")));
      String peer = PROXY + ":" + socket.getLocalPort();
      assertThat(RawClient.readLine(socket)).isEqualTo(peer + " " + peer + " " + PROXY + ":" + gw.port("proxy"));
    }
  }

  // ---- 4: an untrusted peer is reset at accept

  @Test
  void untrustedPeer_withAForgedHeader_isReset_andNeverReachesTheWorker() throws Exception {
    ListenerStats stats = gw.stats().listener("untrusted");
    Closed closed = fromUntrusted(gw.port("untrusted"), concat(ProxyHeaders.v1(address("10.1.2.3", 4567),
      DESTINATION_V4), ascii("forged\n")));
    assertThat(closed.data()).as("no reply").isEmpty();
    assertThat(closed.reset()).as("closed with an RST: " + closed).isTrue();
    assertThat(stats.refusals(RefusalReason.UNTRUSTED_PROXY)).isEqualTo(1);
    assertThat(stats.refusals()).isEqualTo(1);
    assertThat(stats.accepted()).isZero();
    assertThat(frames.get("untrusted")).as("frames the worker saw").isNull();
  }

  @Test
  void untrustedPeer_isReset_evenWhenRefusalsAreTold() throws Exception {
    ListenerStats stats = gw.stats().listener("message");
    long before = stats.refusals(RefusalReason.UNTRUSTED_PROXY);
    Closed closed = fromUntrusted(gw.port("message"), concat(ProxyHeaders.v2(address("10.1.2.3", 4567),
      DESTINATION_V4), ascii("forged\n")));
    assertThat(closed.data()).as("no error reply for an untrusted peer").isEmpty();
    assertThat(closed.reset()).as("reset: " + closed).isTrue();
    assertThat(stats.refusals(RefusalReason.UNTRUSTED_PROXY)).isEqualTo(before + 1);
  }

  // ---- 5: the header's deadline runs from the accept

  @Test
  void headerThatNeverCompletes_isResetAtTheDeadline() throws Exception {
    ListenerStats stats = gw.stats().listener("deadline");
    long refusedBefore = stats.refusals(RefusalReason.PROXY_HEADER);
    long acceptedBefore = stats.accepted();
    int framesBefore = framesSeen("deadline");
    long start = System.nanoTime();
    try (Socket socket = connect(PROXY, gw.port("deadline"))) {
      socket.getOutputStream().write(ascii("PROXY TCP4 1.2"));
      Closed closed = awaitClose(socket);
      long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertThat(closed.data()).isEmpty();
      assertThat(closed.reset()).as("reset: " + closed).isTrue();
      assertThat(elapsedMs).as("closed at the header deadline").isBetween(SHORT_DEADLINE_MS, 2_000L);
    }
    TestGateway.await("proxy-header counted", 5_000,
      () -> stats.refusals(RefusalReason.PROXY_HEADER) == refusedBefore + 1);
    assertThat(stats.accepted()).isEqualTo(acceptedBefore);
    assertThat(framesSeen("deadline")).as("frames the worker saw").isEqualTo(framesBefore);
  }

  @Test
  void peerTricklingTheHeader_isCutAtTheSameDeadline_notKeptAliveByEachByte() throws Exception {
    ListenerStats stats = gw.stats().listener("deadline");
    long refusedBefore = stats.refusals(RefusalReason.PROXY_HEADER);
    int framesBefore = framesSeen("deadline");
    byte[] header = concat(ProxyHeaders.v1(address("10.1.2.3", 4567), DESTINATION_V4), ascii("late\n"));
    long start = System.nanoTime();
    try (Socket socket = connect(PROXY, gw.port("deadline"))) {
      Thread trickler = new Thread(() -> {
        try {
          for (byte b : header) {
            socket.getOutputStream().write(b);
            Thread.sleep(100);
          }
        } catch (IOException | InterruptedException e) {
          // the gateway cut the connection (or the test is over)
        }
      }, "trickler");
      trickler.setDaemon(true);
      trickler.start();
      Closed closed = awaitClose(socket);
      long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      trickler.interrupt();
      assertThat(closed.data()).as("no reply: the header never completed").isEmpty();
      // the whole header would take 100 ms x 46 bytes; an idle timer would never fire
      assertThat(elapsedMs).as("cut at the deadline from the accept").isBetween(SHORT_DEADLINE_MS, 1_500L);
    }
    TestGateway.await("proxy-header counted", 5_000,
      () -> stats.refusals(RefusalReason.PROXY_HEADER) == refusedBefore + 1);
    assertThat(framesSeen("deadline")).as("frames the worker saw").isEqualTo(framesBefore);
  }

  @Test
  void completeHeader_endsTheDeadline_aFirstFrameMayComeMuchLater() throws Exception {
    ListenerStats stats = gw.stats().listener("deadline");
    long refusedBefore = stats.refusals();
    try (Socket socket = connect(PROXY, gw.port("deadline"))) {
      socket.getOutputStream().write(ProxyHeaders.v2(address("10.1.2.3", 4567), DESTINATION_V4));
      TestGateway.await("connection handed over", 5_000, () -> stats.openConnections() == 1);
      Thread.sleep(2 * SHORT_DEADLINE_MS); // the scenario: a quiet client, well past the header's deadline
      socket.getOutputStream().write(ascii("late but fine\n"));
      assertThat(RawClient.readLine(socket)).startsWith("10.1.2.3:4567 ");
    }
    assertThat(stats.refusals()).isEqualTo(refusedBefore);
  }

  // ---- 6: malformed and missing headers

  static Stream<Arguments> badHeaders() {
    byte[] v4Body = new byte[12];
    byte[] longLine = new byte[120];
    Arrays.fill(longLine, (byte) 'x');
    System.arraycopy(ascii("PROXY TCP4 "), 0, longLine, 0, 11);
    return Stream.of(
      // the decoder rejects these as soon as it has read them
      Arguments.of("v1 with an invalid address", ascii("PROXY TCP4 not-an-ip 10.0.0.10 4567 7000\r\nhello\n"), false),
      Arguments.of("v1 with a port out of range", ascii("PROXY TCP4 10.1.2.3 10.0.0.10 99999 7000\r\nhello\n"), false),
      Arguments.of("v1 longer than 107 bytes", concat(longLine, ascii("\r\n")), false),
      Arguments.of("v2 signature, version 3", ProxyHeaders.v2Raw(0x31, ProxyHeaders.TCP4, v4Body), false),
      Arguments.of("v2 with command 0xF", ProxyHeaders.v2Raw(0x2F, ProxyHeaders.TCP4, v4Body), false),
      Arguments.of("v2 UDP over IPv4", ProxyHeaders.v2Raw(ProxyHeaders.V2_PROXY, 0x12, v4Body), false),
      Arguments.of("no header: an HTTP request line", ascii("GET / HTTP/1.0\r\n\r\n"), false),
      // the decoder waits for more: the deadline refuses these
      Arguments.of("no header: one short line", ascii("hello\n"), true),
      Arguments.of("no header: lines without CRLF", ascii("hello\nworld\nand more lines\n"), true));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badHeaders")
  void malformedOrMissingHeader_isRefused_countedAndNothingLeaks(String kind, byte[] wire, boolean atDeadline)
    throws Exception {
    ListenerStats stats = gw.stats().listener("strict");
    long refusedBefore = stats.refusals(RefusalReason.PROXY_HEADER);
    long acceptedBefore = stats.accepted();
    long start = System.nanoTime();
    try (Socket socket = connect(PROXY, gw.port("strict"))) {
      Closed closed = writeThenAwaitClose(socket, wire);
      long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertThat(closed.data()).as("nothing written back").isEmpty();
      if (atDeadline) {
        assertThat(elapsedMs).as("refused by the header deadline").isBetween(STRICT_DEADLINE_MS, 4_000L);
      } else {
        assertThat(elapsedMs).as("refused as soon as the header is read, before the deadline")
          .isLessThan(STRICT_DEADLINE_MS);
      }
    }
    TestGateway.await("proxy-header counted once", 5_000,
      () -> stats.refusals(RefusalReason.PROXY_HEADER) == refusedBefore + 1);
    assertThat(stats.accepted()).isEqualTo(acceptedBefore);
    assertThat(frames.get("strict")).isNull();
    assertThat(stats.openConnections()).isZero();
    assertThat(stats.pendingTimers()).isZero();
    TestGateway.await("admission ticket released", 5_000, () -> gw.admission("strict").open() == 0);
  }

  @Test
  void v2UnixStreamAddresses_areRefusedLikeAnyUnsupportedHeader_andNothingIsHeld() throws Exception {
    ListenerStats stats = gw.stats().listener("strict");
    long refusedBefore = stats.refusals(RefusalReason.PROXY_HEADER);
    long acceptedBefore = stats.accepted();
    byte[] paths = new byte[216]; // AF_UNIX: two 108-byte, NUL-padded paths
    System.arraycopy(ascii("/run/client.sock"), 0, paths, 0, 16);
    System.arraycopy(ascii("/run/gateway.sock"), 0, paths, 108, 17);
    try (Socket socket = connect(PROXY, gw.port("strict"))) {
      socket.setSoTimeout(5_000);
      Closed closed = writeThenAwaitClose(socket, concat(ProxyHeaders.v2Raw(ProxyHeaders.V2_PROXY, 0x31, paths),
        ascii("hello\n")));
      assertThat(closed.data()).as("no client IP address to admit: nothing answered").isEmpty();
    }
    TestGateway.await("proxy-header counted", 5_000,
      () -> stats.refusals(RefusalReason.PROXY_HEADER) == refusedBefore + 1);
    assertThat(stats.accepted()).isEqualTo(acceptedBefore);
    TestGateway.await("admission ticket released", 5_000, () -> gw.admission("strict").open() == 0);
  }

  // ---- 7: admission after the header, on the header's client

  @Test
  void rules_applyToTheHeadersClient_notToTheProxy() throws Exception {
    ListenerStats stats = gw.stats().listener("rules");
    try (Socket denied = connect(PROXY, gw.port("rules"))) {
      Closed closed = writeThenAwaitClose(denied, concat(ProxyHeaders.v1(address("10.9.1.1", 5000), DESTINATION_V4),
        ascii("hello\n")));
      assertThat(closed.data()).isEmpty();
      assertThat(closed.reset()).as("reset: " + closed).isTrue();
    }
    assertThat(stats.refusals(RefusalReason.RULE)).isEqualTo(1);
    try (Socket mapped = connect(PROXY, gw.port("rules"))) {
      // a dual-stack proxy names an IPv4 client as ::ffff:a.b.c.d: the same client, the same rule
      Closed closed = writeThenAwaitClose(mapped, concat(ascii("PROXY TCP6 ::ffff:10.9.1.1 2001:db8::10 5000 7000\r\n"),
        ascii("hello\n")));
      assertThat(closed.data()).isEmpty();
    }
    assertThat(stats.refusals(RefusalReason.RULE)).isEqualTo(2);
    try (Socket allowed = connect(PROXY, gw.port("rules"))) {
      allowed.getOutputStream().write(concat(ProxyHeaders.v2(address("10.8.1.1", 5000), DESTINATION_V4),
        ascii("hello\n")));
      assertThat(RawClient.readLine(allowed)).startsWith("10.8.1.1:5000 " + PROXY + ":" + allowed.getLocalPort());
    }
    assertThat(stats.refusals(RefusalReason.RULE)).isEqualTo(2);
    assertThat(stats.accepted()).isEqualTo(1);
    assertThat(frames.get("rules")).hasValue(1);
  }

  @Test
  void maxConnectionsPerIp_countsTheHeadersClient() throws Exception {
    ListenerStats stats = gw.stats().listener("perip");
    Admission admission = gw.admission("perip");
    InetAddress first = InetAddress.getByName("10.0.0.1");
    try (Socket a = proxied("perip", "10.0.0.1", 1001); Socket b = proxied("perip", "10.0.0.2", 1002)) {
      assertThat(admission.openFrom(first)).isEqualTo(1);
      assertThat(admission.openFrom(InetAddress.getByName("10.0.0.2"))).isEqualTo(1);
      assertThat(admission.openFrom(InetAddress.getByName(PROXY))).as("the proxy is not a client").isZero();
      try (Socket again = connect(PROXY, gw.port("perip"))) {
        Closed closed = writeThenAwaitClose(again, concat(ProxyHeaders.v1(address("10.0.0.1", 1003), DESTINATION_V4),
          ascii("hello\n")));
        assertThat(closed.data()).isEmpty();
      }
      assertThat(stats.refusals(RefusalReason.MAX_CONNECTIONS_PER_IP)).isEqualTo(1);
      a.close();
      TestGateway.await("10.0.0.1's connection released", 5_000, () -> admission.openFrom(first) == 0);
      try (Socket c = proxied("perip", "10.0.0.1", 1004)) {
        assertThat(admission.openFrom(first)).isEqualTo(1);
      }
    }
    assertThat(stats.refusals(RefusalReason.MAX_CONNECTIONS_PER_IP)).isEqualTo(1);
    assertThat(stats.accepted()).isEqualTo(3);
    TestGateway.await("no client tracked", 5_000, () -> admission.trackedClients() == 0);
  }

  @Test
  void onRefuseMessage_tellsTheHeadersClientWhy() throws Exception {
    ListenerStats stats = gw.stats().listener("message");
    long before = stats.refusals(RefusalReason.RULE);
    try (Socket denied = connect(PROXY, gw.port("message"))) {
      denied.getOutputStream().write(concat(ProxyHeaders.v1(address("10.9.200.1", 5000), DESTINATION_V4),
        ascii("hello\n")));
      assertThat(RawClient.readLine(denied)).isEqualTo("ERR refused rule");
      Closed closed = awaitClose(denied);
      assertThat(closed.data()).isEmpty();
    }
    assertThat(stats.refusals(RefusalReason.RULE)).isEqualTo(before + 1);
    assertThat(frames.get("message")).isNull();
  }

  @Test
  void refusedAtAcceptToBeTold_stillHasTheHeaderDeadline() throws Exception {
    ListenerStats stats = gw.stats().listener("full");
    try (Socket held = proxied("full", "10.0.0.1", 1001)) {
      try (Socket told = connect(PROXY, gw.port("full"))) {
        told.getOutputStream().write(concat(ProxyHeaders.v1(address("10.0.0.2", 1002), DESTINATION_V4),
          ascii("hello\n")));
        assertThat(RawClient.readLine(told)).isEqualTo("ERR refused max-connections");
        assertThat(awaitClose(told).data()).isEmpty();
      }
      // refused at accept, to be told once its header is read: a peer that never sends one is cut at the deadline
      long start = System.nanoTime();
      try (Socket silent = connect(PROXY, gw.port("full"))) {
        silent.setSoTimeout(5_000);
        silent.getOutputStream().write(ascii("PROXY TCP4 1.2"));
        Closed closed = awaitClose(silent);
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(closed.data()).isEmpty();
        assertThat(elapsedMs).as("closed at the header deadline").isBetween(SHORT_DEADLINE_MS, 2_000L);
      }
    }
    assertThat(stats.refusals(RefusalReason.MAX_CONNECTIONS)).isEqualTo(2);
    assertThat(stats.accepted()).isEqualTo(1);
  }

  // ---- 8: TLS after the header

  @ParameterizedTest(name = "pause before the handshake: {0} ms")
  @ValueSource(longs = {0, 2 * SHORT_DEADLINE_MS})
  void tls_afterAPlaintextV2Header_workerSeesTheHeadersClient(long pauseMs) throws Exception {
    int port = gw.port("tls");
    try (Socket raw = connect(PROXY, port)) {
      raw.getOutputStream().write(ProxyHeaders.v2(address("10.1.2.3", 4567), DESTINATION_V4, TLVS));
      raw.getOutputStream().flush();
      // the header's deadline ends with the header: a handshake that starts later has only its own deadline
      Thread.sleep(pauseMs);
      try (SSLSocket tls = (SSLSocket) certificates.clientContext(null).getSocketFactory().createSocket(raw, "localhost", port, true)) {
        SSLParameters parameters = tls.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        tls.setSSLParameters(parameters);
        tls.startHandshake();
        tls.getOutputStream().write(ascii("over tls\n"));
        tls.getOutputStream().flush();
        assertThat(RawClient.readLine(tls)).isEqualTo("10.1.2.3:4567 " + PROXY + ":" + raw.getLocalPort() + " 10.0.0.10:7000");
      }
    }
    assertThat(gw.stats().listener("tls").refusals()).isZero();
  }

  // ---- 9: a thousand connections through every path, nothing held afterwards

  @Test
  void thousandConnectionsThroughEveryPath_leaveNothingHeld() throws Exception {
    ListenerStats stats = gw.stats().listener("leak");
    Admission admission = gw.admission("leak");
    int port = gw.port("leak");
    int total = 1_000;
    int paths = 6;
    try (Socket held = proxied("leak", "10.99.0.1", 9999)) {
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        List<Future<?>> runs = new ArrayList<>();
        for (int i = 0; i < total; i++) {
          int n = i;
          runs.add(pool.submit(() -> {
            onePath(n, n % paths, port);
            return null;
          }));
        }
        for (Future<?> run : runs) {
          run.get(60, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
      assertThat(admission.openFrom(InetAddress.getByName("10.99.0.1"))).isEqualTo(1);
    }
    gw.awaitNothingHeld(10_000);
    TestGateway.await("no admission ticket and no tracked client address", 10_000,
      () -> admission.open() == 0 && admission.trackedClients() == 0);
    long goodRuns = IntStream.range(0, total).filter(i -> i % paths < 2).count();
    long count2 = IntStream.range(0, total).filter(i -> i % paths == 2).count();
    long count3 = IntStream.range(0, total).filter(i -> i % paths == 3).count();
    long count5 = IntStream.range(0, total).filter(i -> i % paths == 5).count();
    assertThat(stats.accepted()).as("good headers and the held connection").isEqualTo(goodRuns + 1);
    assertThat(frames.get("leak")).as("frames the worker saw").hasValue((int) goodRuns + 1);
    assertThat(stats.refusals(RefusalReason.UNTRUSTED_PROXY)).isEqualTo(count2);
    // a peer that gives up before its header is complete is gone, not refused
    assertThat(stats.refusals(RefusalReason.PROXY_HEADER)).as("malformed headers").isEqualTo(count3);
    assertThat(stats.refusals(RefusalReason.MAX_CONNECTIONS_PER_IP)).isEqualTo(count5);
    assertThat(stats.openConnections()).isZero();
    assertThat(stats.pendingTimers()).isZero();
    assertThat(stats.inFlight()).isZero();
  }

  private static void onePath(int n, int path, int port) throws Exception {
    InetSocketAddress client = address("10." + (n >> 16 & 0xff) + "." + (n >> 8 & 0xff) + "." + (n & 0xff),
      10_000 + n);
    switch (path) {
      case 0, 1 -> { // a good header, v1 or v2, a frame and its reply; then a FIN or an RST from the client
        try (Socket socket = connect(PROXY, port)) {
          byte[] header = path == 0 ? ProxyHeaders.v1(client, DESTINATION_V4)
            : ProxyHeaders.v2(client, DESTINATION_V4, TLVS);
          socket.getOutputStream().write(concat(header, ascii("hi\n")));
          String reply = RawClient.readLine(socket);
          if (!reply.startsWith(client.getAddress().getHostAddress() + ":" + client.getPort() + " ")) {
            throw new AssertionError("connection " + n + ": " + reply);
          }
          if (path == 1) {
            socket.setSoLinger(true, 0);
          }
        }
      }
      case 2 -> { // an untrusted peer
        expectClosed(n, fromUntrusted(port, concat(ProxyHeaders.v1(client, DESTINATION_V4), ascii("hi\n"))));
      }
      case 3 -> { // a malformed header
        try (Socket socket = connect(PROXY, port)) {
          expectClosed(n, writeThenAwaitClose(socket, ascii("PROXY TCP4 10.1.2.300 10.0.0.10 1 2\r\nhi\n")));
        }
      }
      case 4 -> { // half a header, then the client goes away
        try (Socket socket = connect(PROXY, port)) {
          byte[] header = n % 2 == 0 ? ProxyHeaders.v1(client, DESTINATION_V4)
            : ProxyHeaders.v2(client, DESTINATION_V4, TLVS);
          socket.getOutputStream().write(Arrays.copyOf(header, header.length / 2));
          if (n % 3 == 0) {
            socket.setSoLinger(true, 0);
          }
        }
      }
      case 5 -> { // the held connection's client again: over its limit of one
        try (Socket socket = connect(PROXY, port)) {
          expectClosed(n, writeThenAwaitClose(socket, concat(ProxyHeaders.v2(address("10.99.0.1", 20_000 + n),
            DESTINATION_V4), ascii("hi\n"))));
        }
      }
      default -> throw new IllegalArgumentException("path " + path);
    }
  }

  private static void expectClosed(int n, Closed closed) {
    if (closed.data().length > 0) {
      throw new AssertionError("connection " + n + " got a reply: " + closed);
    }
  }

  // ---- helpers

  /** A client of the gateway's loopback listener from {@code localIp}, with a read deadline. */
  private static Socket connect(String localIp, int port) throws IOException {
    Socket socket = new Socket();
    socket.setSoTimeout(10_000);
    socket.setTcpNoDelay(true);
    socket.bind(new InetSocketAddress(localIp, 0));
    socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
    return socket;
  }

  /**
   * Connects from outside trustedCidrs and writes {@code bytes}. The gateway resets at accept, so the RST may beat
   * the client's own connect() to the punch: that is the same refusal.
   */
  private static Closed fromUntrusted(int port, byte[] bytes) throws IOException {
    Socket socket = new Socket();
    try (socket) {
      socket.setSoTimeout(10_000);
      socket.bind(new InetSocketAddress(OTHER, 0));
      try {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
      } catch (java.net.SocketException e) {
        return new Closed(new byte[0], isReset(e), "connect failed: " + e);
      }
      return writeThenAwaitClose(socket, bytes);
    }
  }

  /** A connection through the trusted proxy for {@code clientIp}, admitted (its first frame was answered). */
  private static Socket proxied(String listener, String clientIp, int clientPort) throws IOException {
    Socket socket = connect(PROXY, gw.port(listener));
    socket.getOutputStream().write(concat(ProxyHeaders.v1(address(clientIp, clientPort), DESTINATION_V4),
      ascii("hello\n")));
    assertThat(RawClient.readLine(socket)).startsWith(clientIp + ":" + clientPort + " ");
    return socket;
  }

  private static int framesSeen(String listener) {
    AtomicInteger seen = frames.get(listener);
    return seen == null ? 0 : seen.get();
  }

  /** How the gateway ended a connection: what it wrote first, and whether the end was an RST. */
  private record Closed(byte[] data, boolean reset, String how) {

    @Override
    public String toString() {
      return how + " after " + data.length + " bytes '" + new String(data, StandardCharsets.UTF_8) + "'";
    }
  }

  /** Writes {@code bytes} (a write may fail once the gateway has reset) and waits for the gateway's close. */
  private static Closed writeThenAwaitClose(Socket socket, byte[] bytes) throws IOException {
    try {
      socket.getOutputStream().write(bytes);
      socket.getOutputStream().flush();
    } catch (IOException e) {
      return new Closed(new byte[0], isReset(e), "write failed: " + e);
    }
    return awaitClose(socket);
  }

  /** Reads until the gateway closes; fails on the read deadline. */
  private static Closed awaitClose(Socket socket) throws IOException {
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    byte[] buffer = new byte[256];
    try {
      int n;
      while ((n = socket.getInputStream().read(buffer)) >= 0) {
        data.write(buffer, 0, n);
      }
      return new Closed(data.toByteArray(), false, "end of stream");
    } catch (SocketTimeoutException e) {
      throw new AssertionError("the gateway did not close the connection within " + socket.getSoTimeout() + " ms", e);
    } catch (IOException e) {
      return new Closed(data.toByteArray(), isReset(e), "read failed: " + e);
    }
  }

  private static boolean isReset(IOException e) {
    String message = String.valueOf(e.getMessage());
    return message.contains("reset") || message.contains("Broken pipe");
  }

  private static JsonObject awaitEvent(String event, String listener, String peer) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      JsonObject next = events.poll(100, TimeUnit.MILLISECONDS);
      if (next != null && event.equals(next.getString("event")) && listener.equals(next.getString("listener"))
        && peer.equals(next.getString("peerAddress"))) {
        return next;
      }
    }
    throw new AssertionError("no '" + event + "' event for listener " + listener + " with peerAddress " + peer);
  }

  /** {@code a.b.c.d:port} or {@code [v6]:port}, parsed without a lookup. */
  private static InetSocketAddress endpoint(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    String host = hostPort.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return address(host, Integer.parseInt(hostPort.substring(colon + 1)));
  }

}
