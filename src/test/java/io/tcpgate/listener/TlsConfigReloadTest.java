package io.tcpgate.listener;

import io.tcpgate.config.ConfigLoader;
import io.tcpgate.listener.TlsListenerTest.TlsClient;
import io.tcpgate.reload.ReloadResult;
import io.tcpgate.reload.ReloadResult.Outcome;
import io.tcpgate.testing.TestCertificates;
import io.tcpgate.testing.TestCertificates.Issued;
import io.tcpgate.testing.TestGateway;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A reload that changes a TLS listener: new file paths apply to the next handshake in place, a new generation on the
 * same socket (more instances) serves the reload's certificate and not the one the socket was first bound with, and
 * files that do not check out reject the reload, the certificate in force staying.
 */
@ExtendWith(VertxExtension.class)
class TlsConfigReloadTest {

  @TempDir
  Path dir;

  private TestGateway gw;
  private TestCertificates certs;

  @AfterEach
  void tearDown(VertxTestContext ctx) {
    TestGateway.close(gw, ctx);
  }

  private JsonObject config(String cert, int instances) {
    JsonObject tls = new JsonObject().put("certPath", dir.resolve(cert + ".crt").toString())
      .put("keyPath", dir.resolve(cert + ".key").toString());
    return TestGateway.config(TestGateway.listener("tls", "echo").put("tls", tls).put("instances", instances));
  }

  private ReloadResult reload(JsonObject config) throws Exception {
    Files.writeString(dir.resolve("config.json"), config.encode());
    return gw.app().reload("test").toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  private BigInteger newConnectionSerial() throws Exception {
    return TlsClient.serialOfNewConnection(certs.clientContext(null), gw.port("tls"), "gw.test");
  }

  @Test
  void tlsFilesAndInstances_changeWithoutARestart_andBadFilesAreRejected() throws Exception {
    certs = TestCertificates.newCa("tcpgate config reload CA");
    Issued one = certs.server(1, "gw.test");
    Issued two = certs.server(2, "gw.test");
    Issued three = certs.server(3, "gw.test");
    one.write(dir.resolve("one.crt"), dir.resolve("one.key"));
    two.write(dir.resolve("two.crt"), dir.resolve("two.key"));
    three.write(dir.resolve("three.crt"), dir.resolve("three.key"));
    Path file = dir.resolve("config.json");
    Files.writeString(file, config("one", 1).encode());
    gw = new TestGateway();
    gw.vertx().eventBus().consumer("echo", m -> m.reply(m.body()));
    JsonObject json = ConfigLoader.loadJson(gw.vertx(), file.toString()).toCompletionStage().toCompletableFuture()
      .get(10, TimeUnit.SECONDS);
    gw.start(json).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    gw.app().reloadFrom(() -> ConfigLoader.loadJson(gw.vertx(), file.toString()), json);

    try (TlsClient open = TlsClient.connect(certs.clientContext(null), gw.port("tls"), "gw.test")) {
      assertThat(open.serverSerial()).isEqualTo(BigInteger.ONE);
      ReloadResult paths = reload(config("two", 1));
      assertThat(paths.changes()).containsExactly("listener 'tls': changed in place [tls]");
      assertThat(newConnectionSerial()).isEqualTo(BigInteger.TWO);
      assertThat(open.exchange("still")).as("the open connection keeps its session").isEqualTo("still");
    }

    ReloadResult generation = reload(config("three", 2));
    assertThat(generation.changes()).containsExactly("listener 'tls': new generation on the same socket"
      + " [instances, tls]");
    assertThat(gw.gateway().listeners().get(0).instances()).isEqualTo(2);
    for (int i = 0; i < 8; i++) {
      assertThat(newConnectionSerial()).as("new connection %d, on either instance", i).isEqualTo(BigInteger.valueOf(3));
    }

    JsonObject missing = config("three", 2);
    missing.getJsonArray("listeners").getJsonObject(0).getJsonObject("tls")
      .put("keyPath", dir.resolve("two.key").toString());
    ReloadResult rejected = reload(missing);
    assertThat(rejected.outcome()).isEqualTo(Outcome.REJECTED);
    assertThat(rejected.error()).startsWith("listeners[0].tls.keyPath");
    assertThat(newConnectionSerial()).isEqualTo(BigInteger.valueOf(3));
    TestGateway.await("the old generation drained", 5_000, () -> gw.gateway().draining() == 0);
  }
}
