package io.tcpgate.reload;

import io.tcpgate.config.ConfigException;
import io.tcpgate.config.GatewayConfig;
import io.tcpgate.reload.ListenerChange.Kind;
import io.tcpgate.testing.TestGateway;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What a reload would do, listener by listener, and what it refuses, computed before anything is touched. */
class ConfigDiffTest {

  private static JsonObject base() {
    return TestGateway.config(TestGateway.listener("a", "echo"), TestGateway.listener("b", "echo"))
      .put("workers", new JsonArray().add(new JsonObject().put("verticle", "echo")));
  }

  private static ConfigDiff diff(Consumer<JsonObject> change) {
    JsonObject next = base();
    change.accept(next);
    return ConfigDiff.between(GatewayConfig.fromJson(base()), GatewayConfig.fromJson(next));
  }

  private static JsonObject listenerA(JsonObject config) {
    return config.getJsonArray("listeners").getJsonObject(0);
  }

  @Test
  void theSameConfiguration_changesNothing() {
    assertThat(diff(c -> { }).isEmpty()).isTrue();
  }

  @Test
  void settingsOfARunningListener_changeInPlace_namingTheKeys() {
    ConfigDiff diff = diff(c -> listenerA(c).put("requestTimeoutMs", 100).put("errorTemplate", "E {code}")
      .put("dispatch", "parallel").put("framing", new JsonObject().put("kind", "fixed").put("frameBytes", 4))
      .put("admission", new JsonObject().put("maxConnections", 3)).put("address", "other"));
    assertThat(diff.listeners()).hasSize(1);
    ListenerChange change = diff.listeners().get(0);
    assertThat(change.kind()).isEqualTo(Kind.IN_PLACE);
    assertThat(change.keys()).containsExactly("address", "framing", "requestTimeoutMs", "errorTemplate", "dispatch",
      "admission");
  }

  @Test
  void anotherPortOrHost_isANewGeneration_onANewSocket() {
    assertThat(diff(c -> listenerA(c).put("port", 0).put("host", "127.0.0.2")).listeners().get(0).kind())
      .isEqualTo(Kind.NEW_SOCKET);
    assertThat(diff(c -> listenerA(c).put("port", 7999)).listeners().get(0).kind()).isEqualTo(Kind.NEW_SOCKET);
  }

  @Test
  void instancesOrProxyProtocol_areANewGeneration_onTheSameSocket() {
    assertThat(diff(c -> listenerA(c).put("instances", 3)).listeners().get(0).kind()).isEqualTo(Kind.SAME_SOCKET);
    assertThat(diff(c -> listenerA(c).put("proxyProtocol", new JsonObject().put("enabled", true)
      .put("trustedCidrs", new JsonArray().add("127.0.0.1/32")))).listeners().get(0).kind())
      .isEqualTo(Kind.SAME_SOCKET);
  }

  @Test
  void addedAndRemovedListenersAndWorkers_areListed() {
    ConfigDiff diff = diff(c -> {
      c.getJsonArray("listeners").remove(1);
      c.getJsonArray("listeners").add(TestGateway.listener("c", "echo"));
      c.put("workers", new JsonArray().add(new JsonObject().put("verticle", "kv")));
    });
    assertThat(diff.listeners()).extracting(ListenerChange::name, ListenerChange::kind)
      .containsExactly(org.assertj.core.groups.Tuple.tuple("c", Kind.ADDED),
        org.assertj.core.groups.Tuple.tuple("b", Kind.REMOVED));
    assertThat(diff.workersRemoved()).extracting(w -> w.verticle()).containsExactly("echo");
    assertThat(diff.workersAdded()).extracting(w -> w.verticle()).containsExactly("kv");
  }

  @Test
  void whatNeedsARestart_isRefused_namingTheKey() {
    assertThatThrownBy(() -> diff(c -> c.put("admin", new JsonObject().put("enabled", true).put("port", 0))))
      .isInstanceOf(ConfigException.class).hasMessageStartingWith("admin: ");
    assertThatThrownBy(() -> diff(c -> c.put("cluster", new JsonObject().put("enabled", true))))
      .isInstanceOf(ConfigException.class).hasMessageStartingWith("cluster: ");
    assertThatThrownBy(() -> diff(c -> c.put("transport", "nio")))
      .isInstanceOf(ConfigException.class).hasMessageStartingWith("transport: ");
    assertThatThrownBy(() -> diff(c -> c.put("bridge", new JsonObject().put("enabled", true).put("port", 0))))
      .isInstanceOf(ConfigException.class).hasMessageStartingWith("bridge: ");
  }

  @Test
  void tlsOrFamily_onTheSameHostAndPort_isRefused_namingTheKey() {
    JsonObject tls = new JsonObject().put("certPath", "/nonexistent/cert.pem").put("keyPath", "/nonexistent/key.pem");
    assertThat(diff(c -> listenerA(c).put("port", 7001).put("tls", tls)).listeners().get(0).kind())
      .as("TLS on with a port of its own: a new socket").isEqualTo(Kind.NEW_SOCKET);
    JsonObject running = base();
    listenerA(running).put("port", 7001);
    JsonObject next = running.copy();
    listenerA(next).put("tls", tls);
    assertThatThrownBy(() -> ConfigDiff.between(GatewayConfig.fromJson(running), GatewayConfig.fromJson(next)))
      .isInstanceOf(ConfigException.class).hasMessageStartingWith("listeners[0].tls: turning TLS on or off");
    JsonObject v6 = running.copy();
    listenerA(v6).put("host", "::").put("family", "ipv6").put("port", 7001);
    JsonObject dual = v6.copy();
    listenerA(dual).put("family", "dual");
    assertThatThrownBy(() -> ConfigDiff.between(GatewayConfig.fromJson(v6), GatewayConfig.fromJson(dual)))
      .isInstanceOf(ConfigException.class).hasMessageStartingWith("listeners[0].family: ");
  }

  @Test
  void gatewayWideSettings_changeInPlace() {
    ConfigDiff diff = diff(c -> c.put("shutdown", new JsonObject().put("drainTimeoutMs", 500))
      .put("admission", new JsonObject().put("maxConnections", 10))
      .put("reload", new JsonObject().put("checkMs", 1000)));
    assertThat(diff.gateway()).containsExactly("shutdown.drainTimeoutMs", "admission.maxConnections",
      "reload.checkMs");
    assertThat(diff.describe()).contains("admission.maxConnections: changed");
    assertThat(List.of(diff.listeners().size())).containsExactly(0);
  }
}
