package io.tcpgate.reload;

import io.tcpgate.admin.GatewayInfo;
import io.tcpgate.reload.ReloadResult.Outcome;
import io.tcpgate.testing.RawClient;
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
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.tcpgate.testing.ReloadableGateway.await;
import static io.tcpgate.testing.ReloadableGateway.config;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Live reload over real sockets: what changes in place applies from a connection's next frame, framing from the next
 * connection, a move binds the new socket first and answers every frame taken on the old one, and a reload that
 * cannot be applied changes nothing.
 */
@ExtendWith(VertxExtension.class)
class ConfigReloadTest {

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

  @Test
  void aTimeoutAndAnErrorTemplate_changedUnderAnOpenConnection_applyFromItsNextFrame() throws Exception {
    start(config(l -> l.put("requestTimeoutMs", 60_000)));
    try (RawClient client = RawClient.connect(gw.port("gate"))) {
      client.send("one\n");
      assertThat(client.readLine()).isEqualTo("one");
      ReloadResult result = reload(config(l -> l.put("requestTimeoutMs", 200).put("errorTemplate", "E:{code}")));
      assertThat(result.outcome()).isEqualTo(Outcome.APPLIED);
      assertThat(result.generation()).isEqualTo(2);
      assertThat(result.changes()).containsExactly("listener 'gate': changed in place [requestTimeoutMs,"
        + " errorTemplate]");
      long sent = System.nanoTime();
      client.send("hold two\n");
      assertThat(client.readLine()).as("the next frame times out with the new timeout and template")
        .isEqualTo("E:timeout");
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent)).isLessThan(30_000);
      client.send("three\n");
      assertThat(client.readLine()).isEqualTo("three");
    }
    gw.awaitNothingHeld(5_000);
  }

  @Test
  void aFramingChange_leavesOpenConnectionsOnTheirFraming_andNewOnesGetTheNewOne() throws Exception {
    start(config(l -> { }));
    try (RawClient old = RawClient.connect(gw.port("gate"))) {
      old.send("a\n");
      assertThat(old.readLine()).isEqualTo("a");
      ReloadResult result = reload(config(l -> l.put("framing", new JsonObject().put("kind", "delimiter")
        .put("delimiter", "|"))));
      assertThat(result.changes()).containsExactly("listener 'gate': changed in place [framing]");
      try (RawClient fresh = RawClient.connect(gw.port("gate"))) {
        fresh.send("b|c|");
        assertThat(new String(fresh.readExactly(4), StandardCharsets.US_ASCII)).isEqualTo("b|c|");
      }
      old.send("d|e\n");
      assertThat(old.readLine()).as("the open connection still cuts lines").isEqualTo("d|e");
    }
    gw.awaitNothingHeld(5_000);
  }

  @Test
  void aPortMove_bindsTheNewPortFirst_andAnswersEveryFrameTakenOnTheOldOne() throws Exception {
    start(config(l -> l.put("dispatch", "parallel").put("requestTimeoutMs", 30_000)));
    int oldPort = gw.port("gate");
    List<RawClient> clients = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        RawClient client = RawClient.connect(oldPort);
        clients.add(client);
        client.send("hold " + i + "a\nhold " + i + "b\n");
      }
      TestGateway.await("6 frames held by the worker", 5_000, () -> held.size() == 6);
      int newPort = freePort();
      ReloadResult result = reload(config(l -> l.put("dispatch", "parallel").put("requestTimeoutMs", 30_000)
        .put("port", newPort)));
      assertThat(result.outcome()).as(String.valueOf(result.error())).isEqualTo(Outcome.APPLIED);
      assertThat(result.changes()).containsExactly("listener 'gate': new generation on 127.0.0.1:" + newPort
        + ", old one draining [port]");
      assertThat(gw.port("gate")).isEqualTo(newPort);
      try (RawClient moved = RawClient.connect(newPort)) {
        moved.send("on the new port\n");
        assertThat(moved.readLine()).isEqualTo("on the new port");
      }
      TestGateway.await("the old port closed", 5_000, () -> !accepts(oldPort));
      held.forEach(message -> message.reply("done " + message.body()));
      for (int i = 0; i < 3; i++) {
        RawClient client = clients.get(i);
        assertThat(client.readLine()).isEqualTo("done hold " + i + "a");
        assertThat(client.readLine()).isEqualTo("done hold " + i + "b");
        assertThat(client.awaitClosedByServer()).as("drained, then closed with a FIN").isTrue();
      }
      TestGateway.await("the old generation drained", 5_000, () -> gw.gateway().draining() == 0);
    } finally {
      for (RawClient client : clients) {
        client.close();
      }
    }
    gw.awaitNothingHeld(5_000);
  }

  @Test
  void aReloadThatCannotBeApplied_changesNothing_andIsCountedOnce() throws Exception {
    JsonObject original = config(l -> l.put("errorTemplate", "E1 {code}"));
    start(original);
    int port = gw.port("gate");
    write(original);
    Files.writeString(file, "{ \"listeners\": [ ");
    ReloadResult unparsable = await(gw.app().reload("test"));
    assertThat(unparsable.outcome()).isEqualTo(Outcome.REJECTED);
    assertThat(unparsable.error()).startsWith("-conf: cannot parse config file");

    ReloadResult unknownKey = reload(config(l -> l.put("bogus", 1)));
    assertThat(unknownKey.error()).startsWith("listeners[0].bogus: unknown key");

    ReloadResult cluster = reload(original.copy().put("cluster", new JsonObject().put("enabled", true)));
    assertThat(cluster.error()).startsWith("cluster: clustering cannot change without a restart");

    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      ReloadResult bindFailure = reload(config(l -> l.put("errorTemplate", "E2 {code}").put("port",
        taken.getLocalPort()).put("admission", new JsonObject().put("maxConnections", 1))));
      assertThat(bindFailure.error()).contains("cannot bind 127.0.0.1:" + taken.getLocalPort());
    }
    ReloadResult missingTls = reload(config(l -> l.put("host", "127.0.0.2").put("tls", new JsonObject()
      .put("certPath", dir.resolve("missing.pem").toString()).put("keyPath", dir.resolve("missing.key").toString()))));
    assertThat(missingTls.error()).startsWith("listeners[0].tls.certPath");

    assertThat(gw.app().reloader().generation()).isEqualTo(1);
    assertThat(gw.port("gate")).isEqualTo(port);
    assertThat(gw.gateway().listeners()).hasSize(1);
    assertThat(gw.stats().listener("gate").servers()).isEqualTo(TestGateway.EVENT_LOOPS);
    assertThat(gw.app().registry().get("tcpgate.config.reloads").tag("result", "rejected").counter().count())
      .isEqualTo(5.0);
    try (RawClient client = RawClient.connect(port); RawClient second = RawClient.connect(port)) {
      client.send("still here\n");
      assertThat(client.readLine()).isEqualTo("still here");
      second.send("and no connection limit from the rejected reload\n");
      assertThat(second.readLine()).isEqualTo("and no connection limit from the rejected reload");
    }
    JsonObject info = GatewayInfo.describe(gw.gateway(), gw.app().readiness(), gw.app().reloader());
    assertThat(info.getJsonObject("config").getLong("generation")).isEqualTo(1);
    assertThat(info.getJsonObject("config").getJsonObject("lastReload").getString("result")).isEqualTo("rejected");
    gw.awaitNothingHeld(5_000);
  }

  @Test
  void listenersAndWorkers_areAddedAndRemoved_andTheRemovedListenerDrains() throws Exception {
    start(config(l -> l.put("requestTimeoutMs", 30_000)));
    int firstPort = gw.port("gate");
    JsonObject second = TestGateway.listener("second", "tcpgate.echo");
    JsonObject both = config(l -> l.put("requestTimeoutMs", 30_000));
    both.getJsonArray("listeners").add(second);
    both.put("workers", new JsonArray().add(new JsonObject().put("verticle", "echo")));
    ReloadResult added = reload(both);
    assertThat(added.changes()).containsExactly("listener 'second': added on 127.0.0.1:0",
      "worker 'echo' x1: deployed");
    String firstInfo = gw.gateway().listeners().get(0).address();
    try (RawClient toSecond = RawClient.connect(gw.port("second"));
         RawClient toFirst = RawClient.connect(firstPort)) {
      toSecond.send("via the new worker\n");
      assertThat(toSecond.readLine()).isEqualTo("via the new worker");
      toFirst.send("hold on\n");
      TestGateway.await("the frame held", 5_000, () -> held.size() == 1);

      JsonObject onlySecond = TestGateway.config(second.copy())
        .put("workers", new JsonArray().add(new JsonObject().put("verticle", "echo")));
      ReloadResult removed = reload(onlySecond);
      assertThat(removed.changes()).containsExactly("listener 'gate': removed (draining)");
      assertThat(gw.gateway().listeners()).extracting(l -> l.config().name()).containsExactly("second");
      TestGateway.await("the removed listener's port closed", 5_000, () -> !accepts(firstPort));
      held.get(0).reply("answered after removal");
      assertThat(toFirst.readLine()).isEqualTo("answered after removal");
      assertThat(toFirst.awaitClosedByServer()).isTrue();

      toSecond.send("worker still there\n");
      assertThat(toSecond.readLine()).as("the echo worker stays: only the listeners changed")
        .isEqualTo("worker still there");

      ReloadResult noWorker = reload(TestGateway.config(second.copy()));
      assertThat(noWorker.changes()).containsExactly(
        "worker 'echo' x1: undeployed once the listeners that drain are done");
      // the undeployment runs after the reload completes: probe until a frame finds no consumer (counting Vert.x's
      // deployments raced with the push router of the listener removed before, undeployed at the end of its drain)
      TestGateway.await("the echo worker undeployed", 5_000, () -> {
        try {
          String reply = toSecond.send("probe\n").readLine();
          assertThat(reply).isIn("probe", "ERR no-handler");
          return reply.equals("ERR no-handler");
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
      toSecond.send("no worker now\n");
      assertThat(toSecond.readLine()).isEqualTo("ERR no-handler");
    }
    assertThat(firstInfo).isEqualTo("127.0.0.1:" + firstPort);
    gw.awaitNothingHeld(5_000);
  }

  @Test
  void aFileCheck_reloadsAChangedFile_andRejectsABrokenOneOnceEveryTenChecks() throws Exception {
    start(config(l -> { }).put("reload", new JsonObject().put("checkMs", 100)));
    ConfigReloader reloader = gw.app().reloader();
    write(config(l -> l.put("errorTemplate", "E {code}")).put("reload", new JsonObject().put("checkMs", 100)));
    TestGateway.await("generation 2", 10_000, () -> reloader.generation() == 2);
    Files.writeString(file, "not json");
    long broken = System.nanoTime();
    TestGateway.await("the broken file rejected", 10_000, () -> rejected() == 1.0);
    write(config(l -> l.put("errorTemplate", "E3 {code}")).put("reload", new JsonObject().put("checkMs", 100)));
    TestGateway.await("generation 3", 10_000, () -> reloader.generation() == 3);
    long checks = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - broken) / 100;
    assertThat(rejected()).as("a broken file is tried again every %d checks, not at each of the %d checks",
      ConfigReloader.RETRY_CHECKS, checks).isLessThanOrEqualTo(1 + checks / ConfigReloader.RETRY_CHECKS);
  }

  @Test
  void aFileCheck_triesARejectedConfigurationAgain_whenWhatRejectedItWasOutsideTheFile() throws Exception {
    JsonObject tlsListener = TestGateway.listener("secure", "work").put("host", "127.0.0.2").put("tls",
      new JsonObject().put("certPath", dir.resolve("late.crt").toString())
        .put("keyPath", dir.resolve("late.key").toString()));
    start(config(l -> { }).put("reload", new JsonObject().put("checkMs", 100)));
    JsonObject withTls = config(l -> { }).put("reload", new JsonObject().put("checkMs", 100));
    withTls.getJsonArray("listeners").add(tlsListener);
    write(withTls);
    TestGateway.await("rejected: the certificate is not there yet", 10_000, () -> rejected() >= 1.0);
    assertThat(gw.app().reloader().describe().getJsonObject("lastReload").getString("error"))
      .startsWith("listeners[1].tls.certPath");
    io.tcpgate.testing.TestCertificates.newCa("late CA").server(1, "gw.test")
      .write(dir.resolve("late.crt"), dir.resolve("late.key"));
    TestGateway.await("applied once the files exist, the configuration file unchanged", 10_000,
      () -> gw.app().reloader().generation() == 2);
    assertThat(gw.gateway().listeners()).extracting(l -> l.config().name()).containsExactly("gate", "secure");
  }

  @Test
  void overrides_applyToAReload_asAtStartup_andInfoShowsTheGenerationAndHash() throws Exception {
    start(config(l -> { }));
    JsonObject before = GatewayInfo.describe(gw.gateway(), gw.app().readiness(), gw.app().reloader())
      .getJsonObject("config");
    assertThat(before.getLong("generation")).isEqualTo(1);
    assertThat(before.getString("sha256")).matches("[0-9a-f]{64}");
    java.time.Instant loaded = java.time.Instant.parse(before.getString("loadedAt"));
    System.setProperty("tcpgate.listeners.0.errorTemplate", "SYS {code}");
    ReloadResult result;
    try {
      result = await(gw.app().reload("test"));
    } finally {
      System.clearProperty("tcpgate.listeners.0.errorTemplate");
    }
    assertThat(result.changes()).containsExactly("listener 'gate': changed in place [errorTemplate]");
    JsonObject after = GatewayInfo.describe(gw.gateway(), gw.app().readiness(), gw.app().reloader())
      .getJsonObject("config");
    assertThat(after.getLong("generation")).isEqualTo(2);
    assertThat(after.getString("sha256")).matches("[0-9a-f]{64}").isNotEqualTo(before.getString("sha256"));
    assertThat(java.time.Instant.parse(after.getString("loadedAt"))).isAfterOrEqualTo(loaded);
    assertThat(after.getJsonObject("lastReload").getString("result")).isEqualTo("applied");
    assertThat(gw.app().registry().get("tcpgate.config.generation").gauge().value()).isEqualTo(2.0);
  }

  @Test
  void admissionRules_changedInPlace_applyToTheNextAccept_andOpenConnectionsStay() throws Exception {
    start(config(l -> { }));
    int port = gw.port("gate");
    try (RawClient from2 = RawClient.connectFrom("127.0.0.2", "127.0.0.1", port)) {
      from2.send("before\n");
      assertThat(from2.readLine()).isEqualTo("before");
      ReloadResult result = reload(config(l -> l.put("admission", new JsonObject()
        .put("rules", new JsonArray().add("deny 127.0.0.2/32").add("allow all")))));
      assertThat(result.changes()).containsExactly("listener 'gate': changed in place [admission]");
      assertThat(RawClient.connectAndAwaitReset("127.0.0.2", "127.0.0.1", port))
        .as("a new connection from the denied address is reset at accept").isTrue();
      try (RawClient from1 = RawClient.connectFrom("127.0.0.1", "127.0.0.1", port)) {
        from1.send("allowed\n");
        assertThat(from1.readLine()).isEqualTo("allowed");
      }
      from2.send("after\n");
      assertThat(from2.readLine()).as("the connection admitted before the reload stays").isEqualTo("after");
    }
    assertThat(gw.stats().listener("gate").refusals()).isEqualTo(1);
    gw.awaitNothingHeld(5_000);
  }

  private double rejected() {
    return gw.app().registry().get("tcpgate.config.reloads").tag("result", "rejected").counter().count();
  }

  private static boolean accepts(int port) {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      return true;
    } catch (ConnectException e) {
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  /** A port free now on 127.0.0.1 (the kernel's pick, released at once): where a listener may move. */
  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return socket.getLocalPort();
    }
  }
}
