package io.tcpgate.listener;

import io.tcpgate.bus.GatewayHeaders;
import io.tcpgate.testing.Haproxy;
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
import org.junit.jupiter.params.provider.ValueSource;

import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * tcpgate behind a real HAProxy in TCP mode ({@code send-proxy}, {@code send-proxy-v2}, TLS passed through): the
 * worker sees the client HAProxy served, and HAProxy's own connection as the peer, exactly as HAProxy logged them.
 * Needs /usr/sbin/haproxy: skipped without it, except in CI.
 */
@ExtendWith(VertxExtension.class)
class HaproxyFrontTest {

  /** The client's address; HAProxy connects to tcpgate from 127.0.0.1, the only trusted proxy. */
  private static final String CLIENT = "127.0.0.2";

  private static TestGateway gw;
  private static Haproxy haproxy;
  private static TestCertificates certificates;
  private static TestCertificates.Issued server;

  @BeforeAll
  static void start(@TempDir Path dir, VertxTestContext ctx) throws Exception {
    Haproxy.require();
    certificates = TestCertificates.newCa("haproxy-front-test-ca");
    Path cert = dir.resolve("tls.crt");
    Path key = dir.resolve("tls.key");
    server = certificates.server(3, "gateway.example");
    server.write(cert, key);
    gw = new TestGateway();
    gw.vertx().eventBus().consumer("who", m -> m.reply(m.headers().get(GatewayHeaders.REMOTE_ADDRESS) + " "
      + m.headers().get(GatewayHeaders.PEER_ADDRESS) + " " + m.headers().get(GatewayHeaders.LOCAL_ADDRESS)));
    gw.start(TestGateway.config(proxied("behind"), proxied("behind-tls").put("tls", new JsonObject()
        .put("certPath", cert.toString()).put("keyPath", key.toString()))))
      .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    try {
      haproxy = Haproxy.start(dir, List.of(
        new Haproxy.Route("v1", gw.port("behind"), "send-proxy"),
        new Haproxy.Route("v2", gw.port("behind"), "send-proxy-v2 proxy-v2-options crc32c,authority"),
        new Haproxy.Route("tls", gw.port("behind-tls"), "send-proxy-v2")));
    } finally {
      ctx.completeNow();
    }
  }

  private static JsonObject proxied(String name) {
    return TestGateway.listener(name, "who").put("proxyProtocol", new JsonObject()
      .put("trustedCidrs", new JsonArray().add("127.0.0.1/32")).put("headerTimeoutMs", 2_000));
  }

  @AfterEach
  void nothingHeld() throws InterruptedException {
    if (gw != null) {
      gw.awaitNothingHeld(5_000);
    }
  }

  @AfterAll
  static void stop(VertxTestContext ctx) throws InterruptedException {
    try {
      if (haproxy != null) {
        haproxy.close();
      }
    } finally {
      if (gw != null) {
        gw.close().onComplete(ctx.succeedingThenComplete());
      } else {
        ctx.completeNow();
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"v1", "v2"})
  void behindHaproxy_workerSeesTheClient_andHaproxysConnectionAsThePeer(String route) throws Exception {
    int frontend = haproxy.port(route);
    int from = haproxy.process().lineCount();
    String seen;
    int clientPort;
    try (Socket socket = connectFrom(CLIENT, frontend)) {
      clientPort = socket.getLocalPort();
      socket.getOutputStream().write("hello\n".getBytes(StandardCharsets.US_ASCII));
      seen = RawClient.readLine(socket);
    }
    assertSeen(route, seen, clientPort, frontend, from);
    assertThat(gw.stats().listener("behind").refusals()).isZero();
  }

  @Test
  void tlsPassedThroughHaproxy_isTerminatedByTcpgate_andTheWorkerSeesTheClient() throws Exception {
    int frontend = haproxy.port("tls");
    int from = haproxy.process().lineCount();
    String seen;
    int clientPort;
    try (SSLSocket socket = (SSLSocket) certificates.clientContext(null).getSocketFactory().createSocket("localhost", frontend,
      InetAddress.getByName(CLIENT), 0)) {
      socket.setSoTimeout(10_000);
      SSLParameters parameters = socket.getSSLParameters();
      parameters.setEndpointIdentificationAlgorithm("HTTPS");
      socket.setSSLParameters(parameters);
      socket.startHandshake();
      clientPort = socket.getLocalPort();
      socket.getOutputStream().write("over tls\n".getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      seen = RawClient.readLine(socket);
    }
    assertSeen("tls", seen, clientPort, frontend, from);
    assertThat(gw.stats().listener("behind-tls").refusals()).isZero();
  }

  /**
   * The worker's view {@code remote peer local}: the client, HAProxy's connection to tcpgate as HAProxy logged it, and
   * the frontend the client reached.
   */
  private static void assertSeen(String route, String seen, int clientPort, int frontend, int fromLine) {
    String[] parts = seen.split(" ");
    assertThat(parts).as("worker saw: " + seen).hasSize(3);
    assertThat(parts[0]).as("remote address: the client").isEqualTo(CLIENT + ":" + clientPort);
    assertThat(parts[2]).as("local address: the HAProxy frontend").isEqualTo("127.0.0.1:" + frontend);
    Matcher logged = haproxy.process().awaitLine(Pattern.compile("fe=fe_" + route + " client=" + Pattern.quote(CLIENT)
      + ":" + clientPort + " backend-source=(\\S+)"), fromLine, Duration.ofSeconds(10));
    assertThat(parts[1]).as("peer address: HAProxy's own connection, as it logged it").isEqualTo(logged.group(1))
      .matches("127\\.0\\.0\\.1:\\d+");
  }

  private static Socket connectFrom(String localIp, int port) throws IOException {
    Socket socket = new Socket();
    socket.setSoTimeout(10_000);
    socket.bind(new InetSocketAddress(localIp, 0));
    socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
    return socket;
  }

}
