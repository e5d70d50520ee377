package io.tcpgate.listener;

import io.tcpgate.testing.RawClient;
import io.tcpgate.config.TransportChoice;
import io.tcpgate.testing.TestGateway;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.ConnectException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The family a listener asks for is what the kernel lists and what clients can reach. */
@ExtendWith(VertxExtension.class)
class AddressFamilyBindingTest {

  TestGateway gw;

  /** The transport under test: epoll where available (the default); {@link AddressFamilyBindingOnNioTest} runs every test on NIO. */
  TransportChoice transport() {
    return TransportChoice.AUTO;
  }

  @Test
  void runsOnEpollWhereAvailable() {
    org.junit.jupiter.api.Assumptions.assumeTrue(transport() == TransportChoice.AUTO);
    assertThat(gw.app().transport()).isEqualTo(io.netty.channel.epoll.Epoll.isAvailable() ? "epoll" : "nio");
  }

  @Test
  void aClientsFin_stillGetsEveryReply_thenTheGatewaysFin() throws Exception {
    start(TestGateway.listener("fin", "echo"));
    try (io.tcpgate.testing.RawClient client = io.tcpgate.testing.RawClient.connect(gw.port("fin"))) {
      client.send("one\ntwo\nthree");
      client.socket().shutdownOutput();
      assertThat(io.tcpgate.testing.RawClient.readLinesUntilEof(client.socket(), () -> { }))
        .containsExactly("one", "two", "three");
    }
  }

  @Test
  void aRefusedConnection_isResetAtAccept() throws Exception {
    start(TestGateway.listener("gate", "echo").put("admission", new JsonObject()
      .put("rules", new io.vertx.core.json.JsonArray().add("deny 127.0.0.2").add("allow all"))));
    assertThat(io.tcpgate.testing.RawClient.connectAndAwaitReset("127.0.0.2", "127.0.0.1", gw.port("gate")))
      .isTrue();
    assertEchoes("127.0.0.1", gw.port("gate"));
  }

  @BeforeEach
  void setUp() {
    gw = new TestGateway(transport());
    gw.vertx().eventBus().consumer("echo", m -> m.reply(m.body()));
  }

  @AfterEach
  void tearDown(VertxTestContext ctx) {
    gw.close().onComplete(ctx.succeedingThenComplete());
  }

  private static boolean ipv6Loopback() {
    try {
      return Files.readAllLines(Path.of("/proc/net/if_inet6")).stream()
        .anyMatch(line -> line.startsWith("00000000000000000000000000000001"));
    } catch (IOException e) {
      return false;
    }
  }

  private void start(JsonObject listener) throws Exception {
    gw.start(TestGateway.config(listener)).toCompletionStage().toCompletableFuture().get();
  }

  private static void assertEchoes(String host, int port) throws IOException {
    try (RawClient client = RawClient.connect(host, port)) {
      client.send("ping\n");
      assertThat(client.readLine()).isEqualTo("ping");
    }
  }

  @Test
  void ipv4Wildcard_isARealIpv4Socket_notTheDualStackOne() throws Exception {
    assumeTrue(KernelSockets.available());
    start(TestGateway.listener("v4", "echo").put("host", "0.0.0.0"));
    int port = gw.port("v4");
    List<KernelSockets.Listening> kernel = KernelSockets.listening(port);
    assertThat(kernel).extracting(Object::toString).containsExactly("tcp 0.0.0.0:" + port);
    assertEchoes("127.0.0.1", port);
    if (ipv6Loopback()) {
      assertThatThrownBy(() -> RawClient.connect("::1", port)).isInstanceOf(ConnectException.class);
    }
  }

  @Test
  void ipv4Address_isListedInTheIpv4Table() throws Exception {
    assumeTrue(KernelSockets.available());
    start(TestGateway.listener("v4", "echo"));
    int port = gw.port("v4");
    assertThat(KernelSockets.listening(port)).extracting(Object::toString).containsExactly("tcp 127.0.0.1:" + port);
    assertThat(gw.gateway().listeners().get(0).kernel()).isEqualTo(KernelSockets.listening(port));
    assertEchoes("127.0.0.1", port);
  }

  @Test
  void ipv6Address_acceptsIpv6Only() throws Exception {
    assumeTrue(KernelSockets.available() && ipv6Loopback());
    start(TestGateway.listener("v6", "echo").put("host", "::1").put("family", "ipv6"));
    int port = gw.port("v6");
    assertThat(KernelSockets.listening(port)).extracting(Object::toString).containsExactly("tcp6 [::1]:" + port);
    assertEchoes("::1", port);
    assertThatThrownBy(() -> RawClient.connect("127.0.0.1", port)).isInstanceOf(ConnectException.class);
  }

  @Test
  void dual_isOneIpv6WildcardSocketThatAlsoAcceptsIpv4() throws Exception {
    assumeTrue(KernelSockets.available() && ipv6Loopback() && KernelSockets.bindV6Only() == 0);
    start(TestGateway.listener("dual", "echo").put("host", "::").put("family", "dual"));
    int port = gw.port("dual");
    assertThat(KernelSockets.listening(port)).extracting(Object::toString).containsExactly("tcp6 [::]:" + port);
    assertEchoes("::1", port);
    assertEchoes("127.0.0.1", port);
  }

  @Test
  void ipv6OnlyWildcard_failsClearly_whenTheKernelWouldMakeItDualStack() {
    assumeTrue(KernelSockets.bindV6Only() == 0);
    JsonObject listener = TestGateway.listener("v6any", "echo").put("host", "::").put("family", "ipv6");
    assertThatThrownBy(() -> start(listener))
      .hasRootCauseInstanceOf(BindException.class)
      .rootCause()
      .hasMessageContaining("listener 'v6any'")
      .hasMessageContaining("IPV6_V6ONLY")
      .hasMessageContaining("net.ipv6.bindv6only");
  }

  @Test
  void everyEventLoop_getsItsOwnServerInstance_onOneSharedPort() throws Exception {
    start(TestGateway.listener("shared", "echo"));
    assertThat(gw.stats().listener("shared").servers()).isEqualTo(TestGateway.EVENT_LOOPS);
    assertThat(gw.gateway().listeners().get(0).instances()).isEqualTo(TestGateway.EVENT_LOOPS);
    for (int i = 0; i < 4; i++) {
      assertEchoes("127.0.0.1", gw.port("shared"));
    }
  }

  @Test
  void configuredInstances_areHonoured() throws Exception {
    start(TestGateway.listener("three", "echo").put("instances", 3));
    assertThat(gw.stats().listener("three").servers()).isEqualTo(3);
    assertEchoes("127.0.0.1", gw.port("three"));
  }
}
