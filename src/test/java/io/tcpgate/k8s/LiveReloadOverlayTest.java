package io.tcpgate.k8s;

import io.tcpgate.config.GatewayConfig;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.tcpgate.testing.Yamls.map;
import static io.tcpgate.testing.Yamls.maps;
import static io.tcpgate.testing.Yamls.strings;
import static io.tcpgate.testing.Yamls.yaml;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps {@code k8s/overlays/live-reload} what it says: the base's config with {@code reload.checkMs}, in a ConfigMap
 * whose name carries no hash (so an edit updates the mounted file instead of rolling the pods), mounted as a
 * directory (a subPath mount never updates).
 */
class LiveReloadOverlayTest {

  private static final Path BASE = Path.of(System.getProperty("basedir", System.getProperty("user.dir")))
    .toAbsolutePath().normalize();
  private static final Path OVERLAY = BASE.resolve("k8s/overlays/live-reload");

  private static Kustomize.Rendered overlay;
  private static Kustomize.Rendered base;
  private static Map<String, Object> kustomization;

  @BeforeAll
  static void load() throws IOException {
    overlay = Kustomize.render(OVERLAY);
    base = Kustomize.render(BASE.resolve("k8s/base"));
    kustomization = map(yaml().load(Files.readString(OVERLAY.resolve("kustomization.yaml"))), "kustomization");
  }

  @Test
  void theConfigMapKeepsItsName_andReplacesTheBasesConfig() {
    assertThat(strings(kustomization.get("resources"))).containsExactly("../../base");
    List<Map<String, Object>> generators = maps(kustomization.get("configMapGenerator"), "configMapGenerator");
    assertThat(generators).hasSize(1);
    Map<String, Object> generator = generators.get(0);
    assertThat(generator).containsEntry("name", "tcpgate-config").containsEntry("behavior", "replace");
    assertThat(map(generator.get("options"), "options")).as("no hash suffix: an edit updates the mounted file")
      .containsEntry("disableNameSuffixHash", true);
  }

  @Test
  void theConfigIsTheBasesWithFileChecks_andValid() {
    JsonObject config = new JsonObject(overlay.configMaps.get("tcpgate-config").get("config.json"));
    JsonObject baseConfig = new JsonObject(base.configMaps.get("tcpgate-config").get("config.json"));
    JsonObject withoutReload = config.copy();
    withoutReload.remove("reload");
    assertThat(withoutReload).as("the overlay's config.json without reload vs. the base's").isEqualTo(baseConfig);
    long checkMs = GatewayConfig.fromJson(config).reload().checkMs();
    assertThat(checkMs).as("reload.checkMs: on, and well inside the kubelet's update delay").isBetween(1_000L, 60_000L);
  }

  @Test
  void theConfigIsMountedAsADirectory() {
    Map<String, Object> podSpec = overlay.podSpec("tcpgate");
    String volume = maps(podSpec.get("volumes"), "volumes").stream()
      .filter(v -> v.get("configMap") != null
        && "tcpgate-config".equals(map(v.get("configMap"), "configMap").get("name")))
      .map(v -> String.valueOf(v.get("name"))).findFirst().orElseThrow();
    for (Map<String, Object> container : maps(podSpec.get("containers"), "containers")) {
      for (Map<String, Object> mount : maps(container.getOrDefault("volumeMounts", List.of()), "volumeMounts")) {
        if (volume.equals(mount.get("name"))) {
          assertThat(mount).as("mount of the config volume in " + container.get("name")).doesNotContainKey("subPath");
        }
      }
    }
  }
}
