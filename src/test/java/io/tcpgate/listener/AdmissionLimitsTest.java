package io.tcpgate.listener;

import io.tcpgate.admission.Admission;
import io.tcpgate.admission.RefusalReason;
import io.tcpgate.metrics.ListenerStats;
import io.tcpgate.testing.RawClient;
import io.tcpgate.testing.TestGateway;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Admission over real sockets: connection limits per listener, per client address and per process, rules and rates,
 * refusals by reset or by message, counted by reason, and nothing left behind by thousands of refusals.
 */
@ExtendWith(VertxExtension.class)
class AdmissionLimitsTest {

  private TestGateway gw;

  private void start(JsonObject config) throws Exception {
    gw = new TestGateway();
    gw.vertx().eventBus().<Object>consumer("echo", m -> m.reply(m.body()));
    gw.start(config).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private void startListener(JsonObject admission) throws Exception {
    start(TestGateway.config(TestGateway.listener("edge", "echo").put("admission", admission)));
  }

  @AfterEach
  void tearDown(VertxTestContext ctx) {
    TestGateway.close(gw, ctx);
  }

  private static String echo(RawClient client, String line) throws IOException {
    client.send(line + "\n");
    return client.readLine();
  }

  @Test
  void theNPlusFirstConnection_isReset_andAClosedConnectionMakesRoom() throws Exception {
    startListener(new JsonObject().put("maxConnections", 3));
    int port = gw.port("edge");
    ListenerStats stats = gw.stats().listener("edge");
    List<RawClient> clients = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      clients.add(RawClient.connect(port));
      assertThat(echo(clients.get(i), "hello " + i)).isEqualTo("hello " + i);
    }
    assertThat(RawClient.connectAndAwaitReset("127.0.0.1", "127.0.0.1", port)).as("a reset, not a FIN").isTrue();
    assertThat(stats.refusals(RefusalReason.MAX_CONNECTIONS)).isEqualTo(1);
    assertThat(stats.accepted()).isEqualTo(3);
    assertThat(stats.framesIn()).as("the refused connection's frame was never read").isEqualTo(3);

    clients.remove(0).close();
    TestGateway.await("the closed connection's slot is free", 5_000, () -> gw.admission("edge").open() == 2);
    try (RawClient again = RawClient.connect(port)) {
      assertThat(echo(again, "back in")).isEqualTo("back in");
    }
    for (RawClient client : clients) {
      client.close();
    }
    gw.awaitNothingHeld(5_000);
    TestGateway.await("every slot free", 5_000, () -> gw.admission("edge").open() == 0);
  }

  @Test
  void perIpLimits_countTwoLoopbackAddressesApart() throws Exception {
    startListener(new JsonObject().put("maxConnectionsPerIp", 2));
    int port = gw.port("edge");
    ListenerStats stats = gw.stats().listener("edge");
    try (RawClient a1 = RawClient.connectFrom("127.0.0.1", "127.0.0.1", port);
         RawClient a2 = RawClient.connectFrom("127.0.0.1", "127.0.0.1", port);
         RawClient b1 = RawClient.connectFrom("127.0.0.2", "127.0.0.1", port)) {
      assertThat(echo(a1, "a1")).isEqualTo("a1");
      assertThat(echo(a2, "a2")).isEqualTo("a2");
      assertThat(echo(b1, "b1")).isEqualTo("b1");
      assertThat(RawClient.connectAndAwaitReset("127.0.0.1", "127.0.0.1", port)).isTrue();
      try (RawClient b2 = RawClient.connectFrom("127.0.0.2", "127.0.0.1", port)) {
        assertThat(echo(b2, "b2")).as("127.0.0.2 has room of its own").isEqualTo("b2");
      }
      assertThat(stats.refusals(RefusalReason.MAX_CONNECTIONS_PER_IP)).isEqualTo(1);
      assertThat(gw.admission("edge").openFrom(InetAddress.getByName("127.0.0.1"))).isEqualTo(2);
    }
    TestGateway.await("the table shrinks as connections close", 5_000,
      () -> gw.admission("edge").trackedClients() == 0 && gw.admission("edge").open() == 0);
  }

  @Test
  void rules_denyByAddress_firstMatchWins() throws Exception {
    startListener(new JsonObject().put("rules", new JsonArray()
      .add("deny 127.0.0.2").add("allow 127.0.0.0/8").add("deny all")));
    int port = gw.port("edge");
    assertThat(RawClient.connectAndAwaitReset("127.0.0.2", "127.0.0.1", port)).isTrue();
    try (RawClient allowed = RawClient.connectFrom("127.0.0.3", "127.0.0.1", port)) {
      assertThat(echo(allowed, "in")).isEqualTo("in");
    }
    assertThat(gw.stats().listener("edge").refusals(RefusalReason.RULE)).isEqualTo(1);
  }

  @Test
  void onRefuseMessage_writesTheListenersErrorTemplate_thenCloses() throws Exception {
    start(TestGateway.config(TestGateway.listener("edge", "echo")
      .put("errorTemplate", "-{code}: {message}")
      .put("admission", new JsonObject().put("maxConnections", 1).put("onRefuse", "message"))));
    int port = gw.port("edge");
    try (RawClient first = RawClient.connect(port); RawClient second = RawClient.connect(port)) {
      assertThat(echo(first, "first")).isEqualTo("first");
      assertThat(second.readLine()).isEqualTo("-refused: max-connections");
      assertThat(second.awaitClosedByServer()).isTrue();
      assertThat(echo(first, "still")).isEqualTo("still");
    }
    assertThat(gw.stats().listener("edge").refusals(RefusalReason.MAX_CONNECTIONS)).isEqualTo(1);
    assertThat(gw.stats().listener("edge").accepted()).isEqualTo(1);
  }

  @Test
  void connectRate_refusesBeyondTheBurst() throws Exception {
    startListener(new JsonObject().put("connectRate", new JsonObject().put("perSecond", 0.01).put("burst", 2)));
    int port = gw.port("edge");
    try (RawClient a = RawClient.connect(port); RawClient b = RawClient.connect(port)) {
      assertThat(echo(a, "a")).isEqualTo("a");
      assertThat(echo(b, "b")).isEqualTo("b");
      assertThat(RawClient.connectAndAwaitReset("127.0.0.1", "127.0.0.1", port)).isTrue();
    }
    assertThat(gw.stats().listener("edge").refusals(RefusalReason.CONNECT_RATE)).isEqualTo(1);
  }

  @Test
  void theProcessLimit_coversEveryListener() throws Exception {
    start(TestGateway.config(TestGateway.listener("one", "echo"), TestGateway.listener("two", "echo"))
      .put("admission", new JsonObject().put("maxConnections", 2)));
    try (RawClient a = RawClient.connect(gw.port("one")); RawClient b = RawClient.connect(gw.port("two"))) {
      assertThat(echo(a, "a")).isEqualTo("a");
      assertThat(echo(b, "b")).isEqualTo("b");
      assertThat(RawClient.connectAndAwaitReset("127.0.0.1", "127.0.0.1", gw.port("two"))).isTrue();
    }
    assertThat(gw.stats().listener("two").refusals(RefusalReason.MAX_CONNECTIONS)).isEqualTo(1);
  }

  @Test
  void aDualStackListener_matchesIpv4ClientsByIpv4Rules() throws Exception {
    start(TestGateway.config(TestGateway.listener("dual", "echo").put("family", "dual").put("host", "::")
      .put("admission", new JsonObject().put("rules", new JsonArray().add("allow 127.0.0.1").add("deny all")))));
    int port = gw.port("dual");
    try (RawClient v4 = RawClient.connect("127.0.0.1", port)) {
      assertThat(echo(v4, "v4")).isEqualTo("v4");
      assertThat(RawClient.connectAndAwaitReset("::1", "::1", port)).as("::1 is not 127.0.0.1").isTrue();
    }
  }

  @Test
  void fiveThousandRefusedConnections_leaveNothingBehind() throws Exception {
    startListener(new JsonObject().put("maxConnections", 1).put("maxConnectionsPerIp", 1));
    int port = gw.port("edge");
    ListenerStats stats = gw.stats().listener("edge");
    int fdsBefore;
    try (RawClient held = RawClient.connect(port)) {
      assertThat(echo(held, "held")).isEqualTo("held");
      fdsBefore = openFileDescriptors();
      long timersWithOne = stats.pendingTimers();
      for (int i = 0; i < 5_000; i++) {
        assertThat(RawClient.connectAndAwaitReset(i % 2 == 0 ? "127.0.0.1" : "127.0.0.2", "127.0.0.1", port))
          .isTrue();
      }
      TestGateway.await("5,000 refusals counted", 20_000, () -> stats.refusals() == 5_000);
      assertThat(stats.refusals(RefusalReason.MAX_CONNECTIONS)).isEqualTo(5_000);
      assertThat(stats.accepted()).isEqualTo(1);
      assertThat(stats.openConnections()).isEqualTo(1);
      assertThat(stats.pendingTimers()).isEqualTo(timersWithOne);
      assertThat(gw.admission("edge").open()).isEqualTo(1);
      assertThat(gw.admission("edge").trackedClients()).as("only the held connection's address").isEqualTo(1);
      assertThat(openFileDescriptors()).as("no descriptor kept for a refused connection")
        .isLessThan(fdsBefore + 50);
      assertThat(echo(held, "still here")).isEqualTo("still here");
    }
    gw.awaitNothingHeld(5_000);
    TestGateway.await("nothing counted", 5_000,
      () -> gw.admission("edge").open() == 0 && gw.admission("edge").trackedClients() == 0);
  }

  @Test
  void aDeniedClient_isResetBeforeAnyTlsHandshake(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
    throws Exception {
    io.tcpgate.testing.TestCertificates ca = io.tcpgate.testing.TestCertificates.newCa("admission test CA");
    ca.server(7, "gw.test").write(dir.resolve("tls.crt"), dir.resolve("tls.key"));
    start(TestGateway.config(TestGateway.listener("edge", "echo")
      .put("admission", new JsonObject().put("rules", new JsonArray().add("deny 127.0.0.2").add("allow all")))
      .put("tls", new JsonObject().put("certPath", dir.resolve("tls.crt").toString())
        .put("keyPath", dir.resolve("tls.key").toString()))));
    int port = gw.port("edge");
    javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
    java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", ca.ca().certificate());
    javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
    tmf.init(trust);
    context.init(null, tmf.getTrustManagers(), null);
    try (RawClient allowed = RawClient.connectFrom("127.0.0.1", "127.0.0.1", port);
         javax.net.ssl.SSLSocket tls = (javax.net.ssl.SSLSocket) context.getSocketFactory()
           .createSocket(allowed.socket(), "localhost", port, true)) {
      tls.startHandshake();
      tls.getOutputStream().write("over tls\n".getBytes());
      assertThat(new java.io.BufferedReader(new java.io.InputStreamReader(tls.getInputStream())).readLine())
        .isEqualTo("over tls");
    }
    RawClient denied;
    try {
      denied = RawClient.connectFrom("127.0.0.2", "127.0.0.1", port);
    } catch (java.net.SocketException e) {
      denied = null;
    }
    if (denied != null) {
      RawClient raw = denied;
      javax.net.ssl.SSLSocket tls = (javax.net.ssl.SSLSocket) context.getSocketFactory()
        .createSocket(raw.socket(), "localhost", port, true);
      org.assertj.core.api.Assertions.assertThatThrownBy(tls::startHandshake)
        .as("reset at accept: the gateway never answers the ClientHello").isInstanceOf(IOException.class);
      tls.close();
    }
    ListenerStats stats = gw.stats().listener("edge");
    assertThat(stats.refusals(RefusalReason.RULE)).isEqualTo(1);
    assertThat(stats.refusals(RefusalReason.TLS_HANDSHAKE)).as("no handshake was attempted").isZero();
  }

  @Test
  void onAVertxWithoutTcpgatesTransport_theSameAdmissionRunsWhenTheSocketArrives(VertxTestContext ctx)
    throws Exception {
    // a plain Vert.x binds IPv4 addresses as dual-stack sockets, which the family check refuses: use IPv6
    io.vertx.core.Vertx plain = io.vertx.core.Vertx.vertx();
    io.tcpgate.metrics.GatewayStats stats = new io.tcpgate.metrics.GatewayStats();
    plain.eventBus().<Object>consumer("echo", m -> m.reply(m.body()));
    io.tcpgate.Gateway gateway = io.tcpgate.Gateway.start(plain, io.tcpgate.config.GatewayConfig.fromJson(
        TestGateway.config(TestGateway.listener("edge", "echo").put("family", "ipv6").put("host", "::1")
          .put("admission", new JsonObject().put("maxConnections", 1)))),
      stats, 2).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    try {
      int port = gateway.port("edge");
      try (RawClient first = RawClient.connect("::1", port)) {
        assertThat(echo(first, "first")).isEqualTo("first");
        assertThat(RawClient.connectAndAwaitReset("::1", "::1", port)).isTrue();
      }
      assertThat(stats.listener("edge").refusals(RefusalReason.MAX_CONNECTIONS)).isEqualTo(1);
      Admission admission = gateway.listeners().get(0).admission();
      TestGateway.await("the slot is released when the connection closes", 5_000, () -> admission.open() == 0);
      try (RawClient again = RawClient.connect("::1", port)) {
        assertThat(echo(again, "again")).isEqualTo("again");
      }
    } finally {
      gateway.stop().compose(v -> plain.close()).onComplete(ctx.succeedingThenComplete());
    }
  }

  private static int openFileDescriptors() {
    String[] fds = new java.io.File("/proc/self/fd").list();
    return fds == null ? 0 : fds.length;
  }
}
