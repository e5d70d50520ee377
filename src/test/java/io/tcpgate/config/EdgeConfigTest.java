package io.tcpgate.config;

import io.tcpgate.admission.AdmissionPolicy;
import io.tcpgate.admission.RefuseAction;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The edge keys of a listener: admission (inherited key by key from defaults), proxyProtocol, tls. */
class EdgeConfigTest {

  private static JsonObject listener() {
    return new JsonObject().put("name", "edge").put("port", 7000).put("address", "a")
      .put("framing", new JsonObject().put("kind", "lines"));
  }

  private static GatewayConfig parse(JsonObject listener, JsonObject root) {
    return GatewayConfig.fromJson(root.copy().put("listeners", new JsonArray().add(listener)));
  }

  private static void assertRejected(JsonObject listener, JsonObject root, String path, String problem) {
    assertThatThrownBy(() -> parse(listener, root))
      .isInstanceOf(ConfigException.class)
      .hasMessageStartingWith(path + ": ")
      .hasMessageContaining(problem);
  }

  @Test
  void noEdgeKeys_meanNoLimitsNoProxyNoTls() {
    ListenerConfig config = parse(listener(), new JsonObject()).listeners().get(0);
    assertThat(config.admission()).isEqualTo(AdmissionPolicy.OPEN);
    assertThat(config.proxyProtocol().enabled()).isFalse();
    assertThat(config.tls()).isNull();
    assertThat(parse(listener(), new JsonObject()).maxConnections()).isZero();
  }

  @Test
  void admission_inheritsEachKeyFromDefaults() {
    JsonObject defaults = new JsonObject().put("admission", new JsonObject()
      .put("maxConnections", 100).put("maxConnectionsPerIp", 5).put("onRefuse", "message")
      .put("rules", new JsonArray().add("deny all")));
    JsonObject own = listener().put("admission", new JsonObject().put("maxConnections", 7)
      .put("connectRate", new JsonObject().put("perSecond", 2.5).put("burst", 10)));
    AdmissionPolicy policy = parse(own, new JsonObject().put("defaults", defaults)).listeners().get(0).admission();
    assertThat(policy.maxConnections()).isEqualTo(7);
    assertThat(policy.maxConnectionsPerIp()).isEqualTo(5);
    assertThat(policy.onRefuse()).isEqualTo(RefuseAction.MESSAGE);
    assertThat(policy.rules().texts()).containsExactly("deny all");
    assertThat(policy.connectRate().perSecond()).isEqualTo(2.5);
    assertThat(policy.connectRate().burst()).isEqualTo(10);
    assertThat(policy.connectRatePerIp()).isNull();
  }

  @Test
  void theProcessLimit_isTopLevel() {
    assertThat(parse(listener(), new JsonObject().put("admission", new JsonObject().put("maxConnections", 50)))
      .maxConnections()).isEqualTo(50);
    assertRejected(listener(), new JsonObject().put("admission", new JsonObject().put("maxConnectionsPerIp", 5)),
      "admission.maxConnectionsPerIp", "unknown key");
  }

  @Test
  void badAdmissionValues_nameTheirKey() {
    assertRejected(listener().put("admission", new JsonObject().put("maxConnections", 0)), new JsonObject(),
      "listeners[0].admission.maxConnections", "must be > 0");
    assertRejected(listener().put("admission", new JsonObject().put("rules", new JsonArray().add("deny all")
      .add("deny 10.1.0.0/8"))), new JsonObject(), "listeners[0].admission.rules[1]", "10.0.0.0/8");
    assertRejected(listener().put("admission", new JsonObject().put("rules", new JsonArray().add(7))),
      new JsonObject(), "listeners[0].admission.rules[0]", "must be a string");
    assertRejected(listener().put("admission", new JsonObject().put("connectRate", new JsonObject()
      .put("perSecond", 0).put("burst", 1))), new JsonObject(), "listeners[0].admission.connectRate.perSecond",
      "> 0");
    assertRejected(listener().put("admission", new JsonObject().put("connectRatePerIp", new JsonObject()
      .put("perSecond", 5))), new JsonObject(), "listeners[0].admission.connectRatePerIp.burst", "required");
    assertRejected(listener().put("admission", new JsonObject().put("onRefuse", "drop")), new JsonObject(),
      "listeners[0].admission.onRefuse", "reset, message");
    assertRejected(listener(), new JsonObject().put("defaults", new JsonObject().put("admission",
      new JsonObject().put("maxConections", 5))), "defaults.admission.maxConections", "unknown key");
  }

  @Test
  void proxyProtocol_needsTrustedPeers() {
    ProxyProtocolConfig proxy = parse(listener().put("proxyProtocol", new JsonObject()
      .put("trustedCidrs", new JsonArray().add("10.0.0.0/8").add("fd00::/8"))), new JsonObject())
      .listeners().get(0).proxyProtocol();
    assertThat(proxy.enabled()).isTrue();
    assertThat(proxy.headerTimeoutMs()).isEqualTo(ProxyProtocolConfig.DEFAULT_HEADER_TIMEOUT_MS);
    assertThat(proxy.trustedCidrs()).hasSize(2);
    assertRejected(listener().put("proxyProtocol", new JsonObject().put("enabled", true)), new JsonObject(),
      "listeners[0].proxyProtocol.trustedCidrs", "is required");
    assertRejected(listener().put("proxyProtocol", new JsonObject().put("trustedCidrs", new JsonArray()
      .add("lb.example.com"))), new JsonObject(), "listeners[0].proxyProtocol.trustedCidrs[0]", "not an IP");
    assertThat(parse(listener().put("proxyProtocol", new JsonObject().put("enabled", false)), new JsonObject())
      .listeners().get(0).proxyProtocol().enabled()).isFalse();
  }

  @Test
  void tls_defaultsAndChecks() {
    TlsConfig tls = parse(listener().put("tls", new JsonObject().put("certPath", "/c").put("keyPath", "/k")),
      new JsonObject()).listeners().get(0).tls();
    assertThat(tls.clientAuth()).isEqualTo(TlsConfig.ClientAuthMode.NONE);
    assertThat(tls.protocols()).isEqualTo(List.of("TLSv1.3", "TLSv1.2"));
    assertThat(tls.handshakeTimeoutMs()).isEqualTo(10_000);
    assertThat(tls.reloadCheckMs()).isEqualTo(30_000);
    assertThat(tls.child("keyPath")).isEqualTo("listeners[0].tls.keyPath");
    assertRejected(listener().put("tls", new JsonObject().put("certPath", "/c")), new JsonObject(),
      "listeners[0].tls.keyPath", "is required");
    assertRejected(listener().put("tls", new JsonObject().put("certPath", "/c").put("keyPath", "/k")
      .put("clientAuth", "required")), new JsonObject(), "listeners[0].tls.caPath", "is required with clientAuth");
    assertRejected(listener().put("tls", new JsonObject().put("certPath", "/c").put("keyPath", "/k")
      .put("protocols", new JsonArray().add("TLSv1.1"))), new JsonObject(), "listeners[0].tls.protocols[0]",
      "TLSv1.3 or TLSv1.2");
    assertRejected(listener().put("tls", new JsonObject().put("certPath", "/c").put("keyPath", "/k")
      .put("clientAuth", "Required").put("caPath", "/ca")), new JsonObject(), "listeners[0].tls.clientAuth",
      "none, request, required");
  }
}
