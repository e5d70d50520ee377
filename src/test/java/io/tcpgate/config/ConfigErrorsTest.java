package io.tcpgate.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Fixing a configuration takes one run, not one per mistake: every unknown key and the first problem of each listener,
 * worker and section come in one error, one line each with its key path. An override that names no configuration key
 * says which property or variable it is.
 */
class ConfigErrorsTest {

  private static JsonObject listener(String name) {
    return new JsonObject().put("name", name).put("host", "127.0.0.1").put("port", 0).put("address", "a");
  }

  @Test
  void everyProblem_isReportedInOneError_oneLineEach_withItsKeyPath() {
    JsonObject config = new JsonObject()
      .put("listeners", new JsonArray()
        .add(listener("a").put("port", "abc"))
        .add(listener("b").put("framng", new JsonObject()).put("requestTimeoutMs", 0))
        .add(listener("c").put("bogus", 1).put("bogus2", 2)))
      .put("workers", new JsonArray().add(new JsonObject().put("instances", 1)))
      .put("admin", new JsonObject().put("port", "x"))
      .put("shutdown", new JsonObject().put("drainTimeoutMs", -1))
      .put("transprt", "nio");
    assertThatThrownBy(() -> GatewayConfig.fromJson(config))
      .isInstanceOf(ConfigException.class)
      .satisfies(e -> {
        assertThat(e.getMessage().lines().toList()).containsExactlyInAnyOrder(
          "transprt: unknown key (allowed here: admin, admission, bridge, cluster, defaults, listeners, logging, reload,"
            + " shutdown, transport, workers)",
          "listeners[0].port: must be an integer (got a string abc)",
          e.getMessage().lines().filter(l -> l.startsWith("listeners[1].framng: unknown key")).findFirst()
            .orElse("listeners[1].framng missing"),
          "listeners[1].requestTimeoutMs: must be > 0 (got 0)",
          e.getMessage().lines().filter(l -> l.startsWith("listeners[2].bogus: unknown key")).findFirst()
            .orElse("listeners[2].bogus missing"),
          e.getMessage().lines().filter(l -> l.startsWith("listeners[2].bogus2: unknown key")).findFirst()
            .orElse("listeners[2].bogus2 missing"),
          "workers[0].verticle: is required and must be a non-empty string",
          "shutdown.drainTimeoutMs: must be > 0 (got -1)",
          "admin.port: must be an integer (got a string x)");
        assertThat(((ConfigException) e).path()).isEqualTo("transprt");
        assertThat(e.getSuppressed()).hasSize(9);
      });
  }

  @Test
  void oneProblem_isTheSameSingleLineAsBefore() {
    JsonObject config = new JsonObject().put("listeners", new JsonArray().add(listener("a").put("port", 70000)));
    assertThatThrownBy(() -> GatewayConfig.fromJson(config))
      .hasMessage("listeners[0].port: must be between 0 and 65535 (got 70000)");
  }

  @Test
  void aMisspeltOverride_namesTheProperty_andSuggestsTheKey() {
    JsonObject file = new JsonObject().put("listeners", new JsonArray().add(listener("a")));
    assertThatThrownBy(() -> ConfigOverrides.apply(file, Map.of(), Map.of("tcpgate.listners.0.port", "7100")))
      .isInstanceOf(ConfigException.class)
      .hasMessage("listners: override -Dtcpgate.listners.0.port: 'listners' is not a configuration key (did you"
        + " mean 'listeners'?)");
    assertThatThrownBy(() -> ConfigOverrides.apply(file, Map.of(), Map.of("tcpgate.listeners.0.prot", "7100")))
      .hasMessage("listeners[0].prot: override -Dtcpgate.listeners.0.prot: 'prot' is not a configuration key (did"
        + " you mean 'port'?)");
  }

  @Test
  void aStrayTcpgateVariable_namesTheVariable_andSaysWhatToDo() {
    JsonObject file = new JsonObject().put("listeners", new JsonArray().add(listener("a")));
    assertThatThrownBy(() -> ConfigOverrides.apply(file, Map.of("TCPGATE_FOO", "1"), Map.of()))
      .isInstanceOf(ConfigException.class)
      .hasMessageStartingWith("foo: environment variable TCPGATE_FOO: 'FOO' is not a configuration key")
      .hasMessageContaining("Every TCPGATE_* variable is read as a configuration override: rename it, or remove it"
        + " from the environment");
  }

  @Test
  void aWorkersOwnConfig_takesAnyKey() {
    JsonObject file = new JsonObject().put("listeners", new JsonArray().add(listener("a")))
      .put("workers", new JsonArray().add(new JsonObject().put("verticle", "echo")));
    JsonObject merged = ConfigOverrides.apply(file, Map.of("TCPGATE_WORKERS_0_CONFIG_GREETING", "hi"),
      Map.of("tcpgate.workers.0.config.someSetting", "3"));
    assertThat(merged.getJsonArray("workers").getJsonObject(0).getJsonObject("config"))
      .isEqualTo(new JsonObject().put("greeting", "hi").put("someSetting", 3));
    assertThat(GatewayConfig.fromJson(merged).workers().get(0).config().getInteger("someSetting")).isEqualTo(3);
  }
}
