package io.tcpgate.config;

import io.tcpgate.bus.BodyType;
import io.tcpgate.framing.FramingKind;
import io.tcpgate.framing.FramingSpec;
import io.vertx.core.ThreadingModel;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GatewayConfigTest {

  private static JsonObject listener(String name, int port) {
    return new JsonObject().put("name", name).put("host", "127.0.0.1").put("port", port).put("address", "a");
  }

  private static JsonObject config(JsonObject... listeners) {
    return new JsonObject().put("listeners", new JsonArray(java.util.List.of((Object[]) listeners)));
  }

  private static void assertRejectedExactly(JsonObject json, String message) {
    assertThatThrownBy(() -> GatewayConfig.fromJson(json)).isInstanceOf(ConfigException.class).hasMessage(message);
  }

  private static void assertRejected(JsonObject json, String path, String problem) {
    assertThatThrownBy(() -> GatewayConfig.fromJson(json))
      .isInstanceOf(ConfigException.class)
      .hasMessageStartingWith(path + ": ")
      .hasMessageContaining(problem)
      .extracting(e -> ((ConfigException) e).path()).isEqualTo(path);
  }

  @Test
  void shippedConfig_isValidAndMatchesTheDocumentedDefaults() throws Exception {
    JsonObject file = new JsonObject(Files.readString(Path.of("conf/config.json")));
    GatewayConfig config = GatewayConfig.fromJson(file);
    assertThat(config.listeners()).extracting(ListenerConfig::name).containsExactly("lines", "binary", "kv");
    assertThat(config.listeners()).extracting(ListenerConfig::port).containsExactly(7000, 7001, 7002);
    assertThat(config.listeners()).allSatisfy(l -> {
      assertThat(l.host()).isEqualTo("0.0.0.0");
      assertThat(l.family()).isEqualTo(AddressFamily.IPV4);
      assertThat(l.requestTimeoutMs()).isEqualTo(5000);
      assertThat(l.idleTimeoutSeconds()).isEqualTo(300);
      assertThat(l.framing().maxFrameBytes()).isEqualTo(65536);
    });
    assertThat(config.listeners().get(0).framing().kind()).isEqualTo(FramingKind.LINES);
    assertThat(config.listeners().get(1).framing().kind()).isEqualTo(FramingKind.LENGTH_PREFIXED);
    assertThat(config.listeners().get(2).body()).isEqualTo(BodyType.STRING);
    assertThat(config.workers()).extracting(WorkerConfig::verticle).containsExactly("echo", "kv");
  }

  @Test
  void packagedDefault_isTheShippedFile() throws Exception {
    JsonObject file = new JsonObject(Files.readString(Path.of("conf/config.json")));
    assertThat(ConfigLoader.defaultJson()).isEqualTo(file);
  }

  @Test
  void defaultsApply_whenAListenerSaysNothing() {
    GatewayConfig config = GatewayConfig.fromJson(config(listener("a", 0)));
    ListenerConfig l = config.listeners().get(0);
    assertThat(l.requestTimeoutMs()).isEqualTo(ListenerConfig.DEFAULT_REQUEST_TIMEOUT_MS);
    assertThat(l.idleTimeoutSeconds()).isEqualTo(ListenerConfig.DEFAULT_IDLE_TIMEOUT_SECONDS);
    assertThat(l.frameTimeoutMs()).isEqualTo(ListenerConfig.DEFAULT_FRAME_TIMEOUT_MS);
    assertThat(l.maxInFlight()).isEqualTo(ListenerConfig.DEFAULT_MAX_IN_FLIGHT);
    assertThat(l.framing().maxFrameBytes()).isEqualTo(ListenerConfig.DEFAULT_MAX_FRAME_BYTES);
    assertThat(l.body()).isEqualTo(BodyType.BUFFER);
    assertThat(l.reply()).isTrue();
    assertThat(config.drainTimeoutMs()).isEqualTo(GatewayConfig.DEFAULT_DRAIN_TIMEOUT_MS);
  }

  @Test
  void listenerValues_overrideTheDefaultsBlock() {
    JsonObject json = config(listener("a", 0).put("requestTimeoutMs", 7));
    json.put("defaults", new JsonObject().put("requestTimeoutMs", 9).put("maxFrameBytes", 100));
    ListenerConfig l = GatewayConfig.fromJson(json).listeners().get(0);
    assertThat(l.requestTimeoutMs()).isEqualTo(7);
    assertThat(l.framing().maxFrameBytes()).isEqualTo(100);
  }

  @Test
  void unknownKey_isRejectedWithItsPath() {
    assertRejected(config(listener("a", 0), listener("b", 0).put("framng", new JsonObject())),
      "listeners[1].framng", "unknown key");
    assertRejected(config(listener("a", 0)).put("listner", 1), "listner", "unknown key");
    assertRejected(config(listener("a", 0).put("framing", new JsonObject().put("kind", "lines").put("crl", true))),
      "listeners[0].framing.crl", "unknown key");
  }

  @Test
  void wrongType_isRejectedWithItsPath() {
    assertRejected(config(listener("a", 0).put("port", "7000")), "listeners[0].port", "must be an integer");
    assertRejected(config(listener("a", 0).put("reply", "yes")), "listeners[0].reply", "must be true or false");
    assertRejected(config(listener("a", 0)).put("listeners", new JsonObject()), "listeners", "must be a JSON array");
    assertRejected(config(listener("a", 0).put("requestTimeoutMs", 1.5)), "listeners[0].requestTimeoutMs",
      "must be an integer");
  }

  @Test
  void impossibleValues_areRejectedWithTheirPath() {
    assertRejected(config(listener("a", 70000)), "listeners[0].port", "between 0 and 65535");
    assertRejected(config(listener("a", -1)), "listeners[0].port", "between 0 and 65535");
    assertRejected(config(listener("a", 0), listener("b", 0).put("framing",
      new JsonObject().put("kind", "lines").put("maxFrameBytes", 0))), "listeners[1].framing.maxFrameBytes", "> 0");
    assertRejected(config(listener("a", 0).put("requestTimeoutMs", 0)), "listeners[0].requestTimeoutMs", "> 0");
    assertRejected(config(listener("a", 0).put("idleTimeoutSeconds", -5)), "listeners[0].idleTimeoutSeconds", "> 0");
    assertRejected(config(listener("a", 0).put("frameTimeoutMs", 0)), "listeners[0].frameTimeoutMs", "> 0");
    assertRejected(config(listener("a", 0).put("maxInFlight", 0)), "listeners[0].maxInFlight", "> 0");
    assertRejected(config(listener("a", 0)).put("shutdown", new JsonObject().put("drainTimeoutMs", 0)),
      "shutdown.drainTimeoutMs", "> 0");
    assertRejected(config(listener("a", 0).put("framing", new JsonObject().put("kind", "fixed"))),
      "listeners[0].framing.frameBytes", "required");
    assertRejected(config(listener("a", 0).put("framing", new JsonObject().put("kind", "length-prefixed")
      .put("headerBytes", 3))), "listeners[0].framing.headerBytes", "1, 2 or 4");
    assertRejected(config(listener("a", 0).put("framing", new JsonObject().put("kind", "fixed").put("frameBytes", 10)
      .put("maxFrameBytes", 5))), "listeners[0].framing.frameBytes", "frameBytes (10) must be <= maxFrameBytes (5)");
    assertRejected(config(listener("a", 0).put("framing", new JsonObject().put("kind", "delimiter")
      .put("delimiter", "\\q"))), "listeners[0].framing.delimiter", "");
    assertRejected(config(listener("a", 0).put("framing", new JsonObject().put("kind", "shapes"))),
      "listeners[0].framing.kind", "must be one of lines, delimiter, fixed, length-prefixed (got 'shapes')");
    assertRejected(config(listener("a", 0).put("framing", new JsonObject().put("kind", "lines")
      .put("headerBytes", 2))), "listeners[0].framing.headerBytes", "applies to kind length-prefixed only");
  }

  @Test
  void listenerWithoutTargetAddress_isRejected() {
    JsonObject l = listener("a", 0);
    l.remove("address");
    assertRejected(config(l), "listeners[0].address", "required");
  }

  @Test
  void twoListenersOnOneHostAndPort_areRejected() {
    assertRejected(config(listener("a", 7000), listener("b", 7000)), "listeners[1].port", "collides with listeners[0]");
    JsonObject wildcard = listener("w", 7000).put("host", "0.0.0.0");
    assertRejected(config(wildcard, listener("b", 7000)), "listeners[1].port", "collides");
    JsonObject dual = listener("d", 7000).put("host", "::").put("family", "dual");
    assertRejected(config(dual, listener("b", 7000)), "listeners[1].port", "collides");
    GatewayConfig.fromJson(config(listener("a", 7000), listener("b", 7001)));
    GatewayConfig.fromJson(config(listener("a", 0), listener("b", 0)));
    GatewayConfig.fromJson(config(listener("a", 7000), listener("b", 7000).put("host", "::1").put("family", "ipv6")));
  }

  @Test
  void duplicateListenerNames_areRejected() {
    assertRejected(config(listener("a", 0), listener("a", 0)), "listeners[1].name", "already the name");
  }

  @Test
  void familyAndHost_mustAgree() {
    assertRejected(config(listener("a", 0).put("host", "::1")), "listeners[0].host", "not an IPv4 address");
    assertRejected(config(listener("a", 0).put("family", "ipv6")), "listeners[0].host", "not an IPv6 address");
    assertRejected(config(listener("a", 0).put("family", "dual").put("host", "::1")), "listeners[0].host", "'::'");
    assertRejected(config(listener("a", 0).put("host", "localhost")), "listeners[0].host", "IP literal");
    assertRejected(config(listener("a", 0).put("family", "ipv5")), "listeners[0].family", "ipv4, ipv6, dual");
    ListenerConfig dual = GatewayConfig.fromJson(config(listener("a", 0).put("family", "dual").put("host", "::")))
      .listeners().get(0);
    assertThat(dual.family()).isEqualTo(AddressFamily.DUAL);
  }

  @Test
  void namedChoices_mustBeTheDocumentedLowerCaseNameExactly() {
    assertRejectedExactly(config(listener("a", 0).put("family", "IPv4")),
      "listeners[0].family: must be one of ipv4, ipv6, dual (got 'IPv4')");
    assertRejectedExactly(config(listener("a", 0).put("body", "STRING")),
      "listeners[0].body: must be one of buffer, string, json (got 'STRING')");
    assertRejectedExactly(config(listener("a", 0).put("framing", new JsonObject().put("kind", "Lines"))),
      "listeners[0].framing.kind: must be one of lines, delimiter, fixed, length-prefixed (got 'Lines')");
    assertRejectedExactly(config(listener("a", 0).put("framing", new JsonObject().put("kind", "length-prefixed")
      .put("byteOrder", "BIG"))), "listeners[0].framing.byteOrder: must be one of big, little (got 'BIG')");
    assertRejectedExactly(config(listener("a", 0)).put("logging", new JsonObject().put("format", "JSON")),
      "logging.format: must be one of plain, json (got 'JSON')");
    assertRejectedExactly(config(listener("a", 0)).put("cluster", new JsonObject().put("role", "All")),
      "cluster.role: must be one of gateway, worker, all (got 'All')");
    assertRejectedExactly(config(listener("a", 0)).put("workers", new JsonArray()
      .add(new JsonObject().put("verticle", "echo").put("threading", "Worker"))),
      "workers[0].threading: must be one of worker, event-loop, virtual-thread (got 'Worker')");
    assertRejectedExactly(config(listener("a", 0).put("family", " ipv4")),
      "listeners[0].family: must be one of ipv4, ipv6, dual (got ' ipv4')");
    assertRejected(config(listener("a", 0).put("family", 4)), "listeners[0].family", "must be a string");
  }

  @Test
  void namedChoices_acceptEveryDocumentedName() {
    for (AddressFamily family : AddressFamily.values()) {
      JsonObject l = listener("a", 0).put("family", family.configName()).put("host", family.wildcard());
      assertThat(GatewayConfig.fromJson(config(l)).listeners().get(0).family()).isEqualTo(family);
    }
    for (BodyType body : BodyType.values()) {
      assertThat(GatewayConfig.fromJson(config(listener("a", 0).put("body", body.configName()))).listeners().get(0)
        .body()).isEqualTo(body);
    }
    for (LogFormat format : LogFormat.values()) {
      assertThat(GatewayConfig.fromJson(config(listener("a", 0)).put("logging",
        new JsonObject().put("format", format.configName()))).logFormat()).isEqualTo(format);
    }
    for (ClusterConfig.Role role : ClusterConfig.Role.values()) {
      JsonObject cluster = new JsonObject().put("enabled", true).put("role", role.configName());
      assertThat(GatewayConfig.fromJson(config(listener("a", 0)).put("cluster", cluster)).cluster().role())
        .isEqualTo(role);
    }
    JsonObject lengthPrefixed = new JsonObject().put("kind", "length-prefixed").put("byteOrder", "little");
    assertThat(GatewayConfig.fromJson(config(listener("a", 0).put("framing", lengthPrefixed))).listeners().get(0)
      .framing()).isEqualTo(FramingSpec.lengthPrefixed(4, ByteOrder.LITTLE_ENDIAN, false, 65536));
    JsonArray workers = new JsonArray().add(new JsonObject().put("verticle", "echo").put("threading", "event-loop"));
    assertThat(GatewayConfig.fromJson(config(listener("a", 0)).put("workers", workers)).workers().get(0).threading())
      .isEqualTo(ThreadingModel.EVENT_LOOP);
  }

  @Test
  void workers_areValidated() {
    JsonObject json = config(listener("a", 0)).put("workers", new JsonArray()
      .add(new JsonObject().put("verticle", "echo").put("threading", "green")));
    assertRejected(json, "workers[0].threading", "must be one of worker, event-loop, virtual-thread (got 'green')");
    json = config(listener("a", 0)).put("workers", new JsonArray().add(new JsonObject().put("instances", 2)));
    assertRejected(json, "workers[0].verticle", "required");
    json = config(listener("a", 0)).put("workers", new JsonArray()
      .add(new JsonObject().put("verticle", "echo").put("instances", 0)));
    assertRejected(json, "workers[0].instances", "> 0");
  }

  @Test
  void environmentAndSystemProperties_overrideTheFile() {
    JsonObject file = config(listener("a", 7000), listener("b", 7001));
    JsonObject merged = ConfigOverrides.apply(file,
      Map.of("TCPGATE_LISTENERS_1_PORT", "7100", "TCPGATE_DEFAULTS_REQUESTTIMEOUTMS", "250", "HOME", "/root"),
      Map.of("tcpgate.listeners.0.host", "127.0.0.2", "tcpgate.listeners.1.port", "7200", "java.version", "17"));
    GatewayConfig config = GatewayConfig.fromJson(merged);
    assertThat(config.listeners().get(0).host()).isEqualTo("127.0.0.2");
    assertThat(config.listeners().get(1).port()).isEqualTo(7200);
    assertThat(config.listeners().get(0).requestTimeoutMs()).isEqualTo(250);
    assertThat(file.getJsonArray("listeners").getJsonObject(1).getInteger("port")).isEqualTo(7001);
  }

  @Test
  void kubernetesServiceLinkVariables_areNotOverrides() {
    JsonObject file = config(listener("a", 7000));
    Map<String, String> env = Map.of(
      "TCPGATE_SERVICE_HOST", "10.0.0.1",
      "TCPGATE_SERVICE_PORT", "7000",
      "TCPGATE_SERVICE_PORT_LINES", "7000",
      "TCPGATE_PORT", "tcp://10.0.0.1:7000",
      "TCPGATE_PORT_7000_TCP", "tcp://10.0.0.1:7000",
      "TCPGATE_PORT_7000_TCP_ADDR", "10.0.0.1",
      "TCPGATE_ADMIN_SERVICE_HOST", "10.0.0.2",
      "TCPGATE_ADMIN_PORT_9090_TCP_PORT", "9090",
      "TCPGATE_LISTENERS_0_PORT", "7100");
    GatewayConfig config = GatewayConfig.fromJson(ConfigOverrides.apply(file, env, Map.of()));
    assertThat(config.listeners().get(0).port()).isEqualTo(7100);
  }

  @Test
  void overrideOfAMissingArrayElement_isRejected() {
    JsonObject file = config(listener("a", 7000));
    assertThatThrownBy(() -> ConfigOverrides.apply(file, Map.of("TCPGATE_LISTENERS_3_PORT", "1"), Map.of()))
      .isInstanceOf(ConfigException.class).hasMessageContaining("listeners[3]");
  }

  @Test
  void overrideWithATypo_isRefused_namingTheOverride() {
    assertThatThrownBy(() -> ConfigOverrides.apply(config(listener("a", 7000)), Map.of(),
      Map.of("tcpgate.listeners.0.prot", "1")))
      .isInstanceOf(ConfigException.class)
      .hasMessage("listeners[0].prot: override -Dtcpgate.listeners.0.prot: 'prot' is not a configuration key (did you"
        + " mean 'port'?)");
  }
}
