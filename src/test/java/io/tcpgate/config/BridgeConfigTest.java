package io.tcpgate.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The {@code bridge} block of the configuration: its documented defaults, and every bad value named by its path. */
class BridgeConfigTest {

  private static JsonObject config(JsonObject bridge) {
    JsonObject listener = new JsonObject().put("name", "lines").put("host", "127.0.0.1").put("port", 7000)
      .put("address", "a");
    JsonObject config = new JsonObject().put("listeners", new JsonArray().add(listener));
    if (bridge != null) {
      config.put("bridge", bridge);
    }
    return config;
  }

  private static JsonObject enabled() {
    return new JsonObject().put("enabled", true);
  }

  private static BridgeConfig bridge(JsonObject bridge) {
    return GatewayConfig.fromJson(config(bridge)).bridge();
  }

  private static void assertRejected(JsonObject json, String path, String problem) {
    assertThatThrownBy(() -> GatewayConfig.fromJson(json))
      .isInstanceOf(ConfigException.class)
      .hasMessageStartingWith(path + ": ")
      .hasMessageContaining(problem)
      .extracting(e -> ((ConfigException) e).path()).isEqualTo(path);
  }

  private static List<String> sources(List<Pattern> patterns) {
    return patterns.stream().map(Pattern::pattern).toList();
  }

  @Test
  void absentBridge_isOffWithTheDocumentedDefaults() {
    BridgeConfig bridge = bridge(null);

    assertThat(bridge.enabled()).isFalse();
    assertThat(bridge.host()).isEqualTo("127.0.0.1");
    assertThat(bridge.port()).isEqualTo(7010);
    assertThat(sources(bridge.inboundPermitted())).containsExactly("tcpgate\\.push\\..*", "tcpgate\\.broadcast\\..*");
    assertThat(bridge.outboundPermitted()).isEmpty();
    assertThat(bridge.maxFrameBytes()).isEqualTo(1_048_576);
    assertThat(bridge.idleTimeoutSeconds()).isEqualTo(60);
    assertThat(bridge.requestTimeoutMs()).isEqualTo(5_000);
    assertThat(bridge.maxPendingReplies()).isEqualTo(10_000);
    // Pattern has no equals(), so neither has the record: compare what it holds
    assertThat(bridge).hasToString(BridgeConfig.disabled().toString());
  }

  @Test
  void enabledBridgeWithNothingElse_takesTheSameDefaults() {
    BridgeConfig bridge = bridge(enabled());

    assertThat(bridge.enabled()).isTrue();
    assertThat(bridge.host()).isEqualTo(BridgeConfig.DEFAULT_HOST);
    assertThat(bridge.port()).isEqualTo(BridgeConfig.DEFAULT_PORT);
    assertThat(sources(bridge.inboundPermitted())).isEqualTo(BridgeConfig.DEFAULT_INBOUND);
    assertThat(bridge.maxFrameBytes()).isEqualTo(BridgeConfig.DEFAULT_MAX_FRAME_BYTES);
    assertThat(bridge.idleTimeoutSeconds()).isEqualTo(BridgeConfig.DEFAULT_IDLE_TIMEOUT_SECONDS);
    assertThat(bridge.requestTimeoutMs()).isEqualTo(BridgeConfig.DEFAULT_REQUEST_TIMEOUT_MS);
    assertThat(bridge.maxPendingReplies()).isEqualTo(BridgeConfig.DEFAULT_MAX_PENDING_REPLIES);
  }

  /** By default a client may push and broadcast, and register for nothing. */
  @Test
  void defaultPermissions_allowPushAndBroadcastOnly_andMatchWholeAddresses() {
    BridgeConfig bridge = bridge(enabled());

    assertThat(bridge.inboundAllowed("tcpgate.push.0123456789ab")).isTrue();
    assertThat(bridge.inboundAllowed("tcpgate.broadcast.lines")).isTrue();
    assertThat(bridge.inboundAllowed("tcpgate.events")).isFalse();
    assertThat(bridge.inboundAllowed("example.upper")).isFalse();
    assertThat(bridge.inboundAllowed("x.tcpgate.push.0123456789ab")).isFalse();
    assertThat(bridge.outboundAllowed("example.upper")).isFalse();
    assertThat(bridge.outboundAllowed("tcpgate.events")).isFalse();

    BridgeConfig configured = bridge(enabled().put("outboundPermitted", new JsonArray().add("example\\.upper")));
    assertThat(configured.outboundAllowed("example.upper")).isTrue();
    assertThat(configured.outboundAllowed("example.upper.more")).isFalse();
    assertThat(configured.outboundAllowed("my.example.upper")).isFalse();
  }

  @Test
  void emptyPermissionLists_permitNothing() {
    BridgeConfig bridge = bridge(enabled().put("inboundPermitted", new JsonArray())
      .put("outboundPermitted", new JsonArray()));

    assertThat(bridge.inboundPermitted()).isEmpty();
    assertThat(bridge.inboundAllowed("tcpgate.push.0123456789ab")).isFalse();
  }

  @Test
  void invalidRegularExpression_isRejectedWithItsIndex() {
    assertRejected(config(enabled().put("inboundPermitted", new JsonArray().add("tcpgate\\.push\\..*").add("("))),
      "bridge.inboundPermitted[1]", "is not a valid regular expression");
    assertRejected(config(enabled().put("outboundPermitted", new JsonArray().add("[z-a]"))),
      "bridge.outboundPermitted[0]", "('[z-a]')");
  }

  /** A list that a typo ruined must not fall back to the defaults, nor skip the entry. */
  @Test
  void nonStringEntryOrNonList_isRejectedWithItsPath() {
    assertRejected(config(enabled().put("inboundPermitted", new JsonArray().add("a").add(42))),
      "bridge.inboundPermitted[1]", "must be a string");
    assertRejected(config(enabled().put("outboundPermitted", new JsonArray().addNull())),
      "bridge.outboundPermitted[0]", "must be a string");
    assertRejected(config(enabled().put("outboundPermitted", new JsonArray().add(new JsonObject()))),
      "bridge.outboundPermitted[0]", "must be a string");
    assertRejected(config(enabled().put("outboundPermitted", "example\\.upper")), "bridge.outboundPermitted",
      "must be a JSON array");
  }

  @Test
  void portOfAListener_isRejected() {
    assertRejected(config(enabled().put("port", 7000)), "bridge.port", "7000 is already the port of listeners[0]");
  }

  @Test
  void portOfTheAdminServer_isRejected_unlessTheAdminServerIsOff() {
    assertRejected(config(enabled().put("port", 9090)), "bridge.port", "9090 is already the admin server's port");
    assertRejected(config(enabled().put("port", 9191)).put("admin", new JsonObject().put("port", 9191)),
      "bridge.port", "admin server's port");

    JsonObject adminOff = config(enabled().put("port", 9090)).put("admin", new JsonObject().put("enabled", false));
    assertThat(GatewayConfig.fromJson(adminOff).bridge().port()).isEqualTo(9090);
  }

  @Test
  void portCollision_doesNotMatter_whileTheBridgeIsOff_orOnAnEphemeralPort() {
    assertThat(bridge(new JsonObject().put("port", 7000)).enabled()).isFalse();
    JsonObject ephemeral = config(enabled().put("port", 0)).put("admin", new JsonObject().put("port", 0));
    ephemeral.getJsonArray("listeners").getJsonObject(0).put("port", 0);
    assertThat(GatewayConfig.fromJson(ephemeral).bridge().port()).isZero();
  }

  @ParameterizedTest(name = "host ''{0}''")
  @ValueSource(strings = {"localhost", "bridge.internal", "999.1.1.1", "::ffff:127.0.0.1", "", "127.0.0.1:7010"})
  void hostThatIsNotAnIpLiteral_isRejected(String host) {
    assertRejected(config(enabled().put("host", host)), "bridge.host", "'" + host + "'");
  }

  @Test
  void ipLiteralHosts_areAccepted() {
    assertThat(bridge(enabled().put("host", "0.0.0.0")).host()).isEqualTo("0.0.0.0");
    assertThat(bridge(enabled().put("host", "::1")).host()).isEqualTo("::1");
  }

  @Test
  void unknownKeyOrWrongShape_isRejectedWithItsPath() {
    assertRejected(config(enabled().put("prot", 7011)), "bridge.prot", "unknown key");
    assertRejected(config(enabled().put("inboundPermited", new JsonArray())), "bridge.inboundPermited",
      "unknown key");
    assertRejected(config(null).put("bridge", true), "bridge", "must be a JSON object");
  }

  @Test
  void impossibleValues_areRejectedWithTheirPath() {
    assertRejected(config(enabled().put("port", 70000)), "bridge.port", "between 0 and 65535");
    assertRejected(config(enabled().put("port", -1)), "bridge.port", "between 0 and 65535");
    assertRejected(config(enabled().put("maxFrameBytes", 0)), "bridge.maxFrameBytes", "> 0");
    assertRejected(config(enabled().put("idleTimeoutSeconds", 0)), "bridge.idleTimeoutSeconds", "> 0");
    assertRejected(config(enabled().put("requestTimeoutMs", 0)), "bridge.requestTimeoutMs", "> 0");
    assertRejected(config(enabled().put("maxPendingReplies", 0)), "bridge.maxPendingReplies", "> 0");
    assertRejected(config(enabled().put("enabled", "yes")), "bridge.enabled", "must be true or false");
    assertRejected(config(enabled().put("port", "7010")), "bridge.port", "must be an integer");
  }

  /** The process tests start the examples with {@code -Dtcpgate.bridge.port=0}. */
  @Test
  void systemPropertyAndEnvironment_overrideTheBridgePort() {
    JsonObject file = config(enabled().put("port", 7010));

    JsonObject merged = ConfigOverrides.apply(file, Map.of("TCPGATE_BRIDGE_PORT", "7020"),
      Map.of("tcpgate.bridge.port", "0"));

    assertThat(GatewayConfig.fromJson(merged).bridge().port()).isZero();
    assertThat(GatewayConfig.fromJson(ConfigOverrides.apply(file, Map.of("TCPGATE_BRIDGE_PORT", "7020"), Map.of()))
      .bridge().port()).isEqualTo(7020);
  }
}
