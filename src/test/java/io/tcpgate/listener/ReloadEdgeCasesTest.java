package io.tcpgate.listener;

import io.tcpgate.listener.TlsListenerTest.TlsClient;
import io.tcpgate.reload.ReloadResult;
import io.tcpgate.reload.ReloadResult.Outcome;
import io.tcpgate.testing.RawClient;
import io.tcpgate.testing.TestCertificates;
import io.tcpgate.testing.TestCertificates.Issued;
import io.tcpgate.testing.ReloadableGateway;
import io.tcpgate.testing.TestGateway;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.tcpgate.testing.ReloadableGateway.await;
import static io.tcpgate.testing.ReloadableGateway.config;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Live reload at its edges (found in review): a request already in flight keeps its own deadline whatever the reload
 * does to the timeout, and a request taken after a shorter timeout is answered at its own; a reload rejected after a
 * same-socket generation was deployed leaves the socket's accept gate, PROXY deadline and certificate as they were;
 * an accept paused by {@code overload.stopAccepting} resumes however the requests end, across generations too.
 */
@ExtendWith(VertxExtension.class)
class ReloadEdgeCasesTest {

  @TempDir
  Path dir;

  private ReloadableGateway reloadable;
  private TestGateway gw;
  private Path file;
  private List<Message<Object>> held;

  @AfterEach
  void tearDown(VertxTestContext ctx) {
    TestGateway.close(gw, ctx);
  }

  private void start(JsonObject config) throws Exception {
    reloadable = ReloadableGateway.start(dir, config);
    gw = reloadable.gateway();
    file = reloadable.file();
    held = reloadable.held();
  }

  private void write(JsonObject config) throws IOException {
    reloadable.write(config);
  }

  private ReloadResult reload(JsonObject config) throws Exception {
    return reloadable.reload(config);
  }

  /** A shorter timeout, then a read without a frame (the client's end of stream): the request keeps its deadline. */
  @Test
  void aShorterTimeout_thenEndOfStream_theRequestInFlightTimesOutAtItsOwnDeadline() throws Exception {
    start(config(l -> l.put("requestTimeoutMs", 1_500)));
    try (RawClient client = RawClient.connect(gw.port("gate"))) {
      client.socket().setSoTimeout(8_000);
      client.send("hold a\n");
      TestGateway.await("held", 5_000, () -> held.size() == 1);
      assertThat(reload(config(l -> l.put("requestTimeoutMs", 200))).outcome()).isEqualTo(Outcome.APPLIED);
      client.socket().shutdownOutput();
      String line = lineOrSilence(client);
      assertThat(line).as("'hold a' was taken with a 1500 ms timeout: ERR timeout at its deadline")
        .isEqualTo("ERR timeout");
    }
  }

  /** The same with a partial frame instead of an end of stream. */
  @Test
  void aShorterTimeout_thenAPartialFrame_theRequestInFlightTimesOutAtItsOwnDeadline() throws Exception {
    start(config(l -> l.put("requestTimeoutMs", 1_500).put("frameTimeoutMs", 60_000)));
    try (RawClient client = RawClient.connect(gw.port("gate"))) {
      client.socket().setSoTimeout(8_000);
      client.send("hold a\n");
      TestGateway.await("held", 5_000, () -> held.size() == 1);
      assertThat(reload(config(l -> l.put("requestTimeoutMs", 200).put("frameTimeoutMs", 60_000))).outcome())
        .isEqualTo(Outcome.APPLIED);
      client.send("par");
      String line = lineOrSilence(client);
      assertThat(line).isEqualTo("ERR timeout");
    }
  }

  /** Parallel: a request taken after a shorter timeout expires at its own deadline, not at an older request's. */
  @Test
  void afterAShorterTimeout_aNewRequestExpiresAtItsOwnDeadline_notAtAnOlderOnes() throws Exception {
    start(config(l -> l.put("dispatch", "parallel").put("requestTimeoutMs", 6_000)));
    try (RawClient client = RawClient.connect(gw.port("gate"))) {
      client.send("hold a\n");
      TestGateway.await("a held", 5_000, () -> held.size() == 1);
      long t0 = System.nanoTime();
      assertThat(reload(config(l -> l.put("dispatch", "parallel").put("requestTimeoutMs", 300))).outcome())
        .isEqualTo(Outcome.APPLIED);
      client.send("hold b\n");
      TestGateway.await("b held", 5_000, () -> held.size() == 2);
      TestGateway.await("b expired", 5_000, () -> timeouts() == 1);
      client.send("hold c\n"); // the timer now waits for a's 6 s deadline; c is due in 300 ms
      TestGateway.await("c held", 5_000, () -> held.size() == 3);
      long cSent = System.nanoTime();
      TestGateway.await("c expired", 5_000, () -> timeouts() == 2);
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cSent)).as("c expired at its own deadline")
        .isLessThan(2_000);
      held.get(0).reply("A");
      long replied = System.nanoTime();
      assertThat(client.readLine()).isEqualTo("A");
      assertThat(client.readLine()).isEqualTo("ERR timeout");
      assertThat(client.readLine()).isEqualTo("ERR timeout");
      long cLateMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - replied);
      assertThat(cLateMs).as("c (300 ms timeout, deadline passed before a was answered at %d ms) must be"
        + " answered with a, not at a's 6 s deadline", TimeUnit.NANOSECONDS.toMillis(replied - t0))
        .isLessThan(500);
    }
  }

  /** Ordered: the request held behind an old one is sent with the new short timeout and expires at it. */
  @Test
  void ordered_afterAShorterTimeout_theNextRequestExpiresAtItsOwnDeadline() throws Exception {
    start(config(l -> l.put("dispatch", "ordered").put("requestTimeoutMs", 6_000)));
    try (RawClient client = RawClient.connect(gw.port("gate"))) {
      client.send("hold a\n");
      TestGateway.await("a held", 5_000, () -> held.size() == 1);
      assertThat(reload(config(l -> l.put("dispatch", "ordered").put("requestTimeoutMs", 300))).outcome())
        .isEqualTo(Outcome.APPLIED);
      client.send("hold b\n"); // held behind a
      TestGateway.await("b taken", 5_000, () -> gw.stats().listener("gate").framesIn() == 2);
      held.get(0).reply("A");
      assertThat(client.readLine()).isEqualTo("A");
      TestGateway.await("b sent", 5_000, () -> held.size() == 2);
      long sent = System.nanoTime();
      assertThat(client.readLine()).isEqualTo("ERR timeout");
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent)).as("b's own deadline is 300 ms after it"
        + " was sent").isLessThan(1_000);
    }
  }

  /**
   * A reload rejected after a same-socket generation was deployed keeps the socket's accept gate, and with it the
   * PROXY header deadline (Vert.x's own is off): a silent peer is still cut off.
   */
  @Test
  void aRejectedReloadWithASameSocketGeneration_keepsTheAcceptGate_andThePROXYHeaderDeadline() throws Exception {
    JsonObject proxy = new JsonObject().put("trustedCidrs", new JsonArray().add("127.0.0.1/32"))
      .put("headerTimeoutMs", 300);
    start(config(l -> l.put("instances", 1).put("proxyProtocol", proxy)));
    int port = gw.port("gate");
    assertThat(silentPeerCutOff(port)).as("before: a silent peer is reset at the header deadline").isTrue();
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      JsonObject next = config(l -> l.put("instances", 2).put("proxyProtocol", proxy));
      next.getJsonArray("listeners").add(TestGateway.listener("second", "work").put("port", taken.getLocalPort()));
      ReloadResult rejected = reload(next);
      assertThat(rejected.outcome()).isEqualTo(Outcome.REJECTED);
      assertThat(rejected.error()).contains("cannot bind");
    }
    assertThat(gw.port("gate")).isEqualTo(port);
    assertThat(silentPeerCutOff(port)).as("after the rejected reload: the same").isTrue();
  }

  /** The next line from {@code client}, or how long it stayed silent until its read timeout. */
  private static String lineOrSilence(RawClient client) throws IOException {
    long since = System.nanoTime();
    try {
      return client.readLine();
    } catch (SocketTimeoutException e) {
      return "<nothing after " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since) + " ms>";
    }
  }

  /** The reply to {@code hello} on a new connection, or a note that none came within 3 s (not accepted). */
  private static String echoOnNewConnection(int port) throws IOException {
    try (RawClient client = RawClient.connect(port)) {
      client.socket().setSoTimeout(3_000);
      client.send("hello\n");
      try {
        return client.readLine();
      } catch (SocketTimeoutException e) {
        return "<no reply: not accepted>";
      }
    }
  }

  private static boolean silentPeerCutOff(int port) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(3_000);
      try {
        return socket.getInputStream().read() < 0;
      } catch (SocketTimeoutException e) {
        return false;
      } catch (IOException e) {
        return true; // reset
      }
    }
  }

  /** The same rejected reload on a TLS listener: the certificate in force stays the one served. */
  @Test
  void aRejectedReloadWithASameSocketGeneration_keepsTheCertificateInForce() throws Exception {
    TestCertificates certs = TestCertificates.newCa("review CA");
    Issued one = certs.server(1, "gw.test");
    Issued two = certs.server(2, "gw.test");
    one.write(dir.resolve("one.crt"), dir.resolve("one.key"));
    two.write(dir.resolve("two.crt"), dir.resolve("two.key"));
    start(config(l -> l.put("instances", 1).put("tls", tls("one"))));
    assertThat(serial(certs)).isEqualTo(BigInteger.ONE);
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      JsonObject next = config(l -> l.put("instances", 2).put("tls", tls("two")));
      next.getJsonArray("listeners").add(TestGateway.listener("second", "work").put("port", taken.getLocalPort()));
      ReloadResult rejected = reload(next);
      assertThat(rejected.outcome()).isEqualTo(Outcome.REJECTED);
    }
    assertThat(gw.app().reloader().generation()).isEqualTo(1);
    assertThat(serial(certs)).as("generation 1 stays in force, with its certificate").isEqualTo(BigInteger.ONE);
  }

  /**
   * Accepting paused by {@code overload.stopAccepting}, then a same-socket generation: the new generation shares the
   * socket's switch, and when the old one's request ends by timeout and it drains, the socket accepts again.
   */
  @Test
  void stopAcceptingPaused_thenASameSocketGeneration_theListenerAcceptsAgain() throws Exception {
    JsonObject overload = new JsonObject().put("maxInFlight", 1).put("stopAccepting", true);
    start(config(l -> l.put("instances", 1).put("requestTimeoutMs", 300).put("overload", overload)));
    int port = gw.port("gate");
    try (RawClient first = RawClient.connect(port)) {
      first.send("hold a\n");
      TestGateway.await("held", 5_000, () -> held.size() == 1);
      assertThat(reload(config(l -> l.put("instances", 2).put("requestTimeoutMs", 300).put("overload", overload)))
        .outcome()).isEqualTo(Outcome.APPLIED);
      assertThat(first.readLine()).isEqualTo("ERR timeout");
      assertThat(first.awaitClosedByServer()).as("old generation drained").isTrue();
    }
    TestGateway.await("old generation gone", 5_000, () -> gw.gateway().draining() == 0);
    assertThat(gw.stats().inFlight()).isZero();
    assertThat(echoOnNewConnection(port)).as("nothing in flight: the listener accepts again").isEqualTo("hello");
  }

  /** Without a reload: a request that ends by timeout lets a paused listener accept again. */
  @Test
  void stopAcceptingPaused_aRequestEndingByTimeout_resumesAccepting() throws Exception {
    JsonObject overload = new JsonObject().put("maxInFlight", 1).put("stopAccepting", true);
    start(config(l -> l.put("instances", 1).put("requestTimeoutMs", 300).put("overload", overload)));
    int port = gw.port("gate");
    try (RawClient first = RawClient.connect(port)) {
      first.send("hold a\n");
      assertThat(first.readLine()).isEqualTo("ERR timeout");
    }
    TestGateway.await("closed", 5_000, () -> gw.stats().openConnections() == 0);
    assertThat(echoOnNewConnection(port)).isEqualTo("hello");
  }

  private long timeouts() {
    return gw.stats().listener("gate").outcomes(io.tcpgate.metrics.ListenerStats.Outcome.TIMEOUT);
  }

  private JsonObject tls(String name) {
    return new JsonObject().put("certPath", dir.resolve(name + ".crt").toString())
      .put("keyPath", dir.resolve(name + ".key").toString());
  }

  private BigInteger serial(TestCertificates certs) throws Exception {
    return TlsClient.serialOfNewConnection(certs.clientContext(null), gw.port("gate"), "gw.test");
  }
}
