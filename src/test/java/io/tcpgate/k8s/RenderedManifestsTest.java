package io.tcpgate.k8s;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.tcpgate.testing.Yamls.map;
import static io.tcpgate.testing.Yamls.name;
import static io.tcpgate.testing.Yamls.yaml;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Where kubectl is installed, checks that {@code kubectl kustomize} renders every kustomization under {@code k8s/}
 * (it refuses, for instance, a base that contains its overlay) and renders exactly what {@link Kustomize} gives the
 * manifest tests: the same objects, and generated ConfigMaps with the same data under their hashed names.
 */
class RenderedManifestsTest {

  private static final Path BASE = Path.of(System.getProperty("basedir", System.getProperty("user.dir")))
    .toAbsolutePath().normalize();
  private static final Path K8S = BASE.resolve("k8s");

  static Stream<Path> kustomizations() throws IOException {
    List<Path> dirs = new ArrayList<>(List.of(K8S, K8S.resolve("base"), K8S.resolve("cluster"),
      K8S.resolve("observability")));
    if (Files.isDirectory(K8S.resolve("overlays"))) {
      try (Stream<Path> overlays = Files.list(K8S.resolve("overlays"))) {
        overlays.filter(d -> Files.isRegularFile(d.resolve("kustomization.yaml"))).sorted().forEach(dirs::add);
      }
    }
    return dirs.stream();
  }

  @ParameterizedTest
  @MethodSource("kustomizations")
  void kubectlKustomizeRendersWhatTheTestsRead(Path dir) throws IOException, InterruptedException {
    assumeTrue(kubectlWorks(), "kubectl not installed");
    String where = BASE.relativize(dir).toString();
    List<Map<String, Object>> kubectl = new ArrayList<>();
    for (Object doc : yaml().loadAll(run("kubectl", "kustomize", dir.toString()))) {
      if (doc != null) {
        kubectl.add(map(doc, "kubectl kustomize " + where + " document"));
      }
    }
    Kustomize.Rendered ours = Kustomize.render(dir);

    Map<String, String> hashed = new LinkedHashMap<>(); // generated name with kustomize's hash -> without
    Map<String, Map<String, Object>> theirs = new TreeMap<>();
    for (Map<String, Object> obj : kubectl) {
      String id = obj.get("kind") + "/" + name(obj);
      boolean manifest = ours.objects.stream().anyMatch(o -> id.equals(o.get("kind") + "/" + name(o)));
      if ("ConfigMap".equals(obj.get("kind")) && !manifest) {
        String generated = name(obj).replaceFirst("-[a-z0-9]{10}$", "");
        assertThat(ours.configMaps).as(where + ": ConfigMap " + name(obj) + " kubectl generates")
          .containsKey(generated);
        Map<String, String> data = new LinkedHashMap<>();
        map(obj.getOrDefault("data", Map.of()), "data").forEach((k, v) -> data.put(k, String.valueOf(v)));
        assertThat(data).as(where + ": data of generated ConfigMap " + generated)
          .isEqualTo(ours.configMaps.get(generated));
        hashed.put(name(obj), generated);
      } else {
        theirs.put(id, obj);
      }
    }
    Map<String, Object> mine = new TreeMap<>();
    for (Map<String, Object> obj : ours.objects) {
      Map<String, Object> copy = new LinkedHashMap<>(obj);
      copy.keySet().removeIf(k -> k.startsWith("__"));
      mine.put(obj.get("kind") + "/" + name(obj), copy);
    }
    assertThat(theirs.keySet()).as(where + ": objects kubectl renders vs. Kustomize.java").isEqualTo(mine.keySet());
    for (Map.Entry<String, Map<String, Object>> e : theirs.entrySet()) {
      assertThat(unhash(e.getValue(), hashed)).as(where + ": " + e.getKey() + " as kubectl renders it (hashed"
        + " ConfigMap names made plain) vs. Kustomize.java").isEqualTo(mine.get(e.getKey()));
    }
  }

  /** {@code value} with every generated ConfigMap's hashed name replaced by its plain name. */
  private static Object unhash(Object value, Map<String, String> hashed) {
    if (value instanceof Map<?, ?> m) {
      Map<Object, Object> out = new LinkedHashMap<>();
      m.forEach((k, v) -> out.put(k, unhash(v, hashed)));
      return out;
    }
    if (value instanceof List<?> l) {
      return l.stream().map(v -> unhash(v, hashed)).toList();
    }
    return value instanceof String s ? hashed.getOrDefault(s, s) : value;
  }

  private static boolean kubectlWorks() {
    try {
      run("kubectl", "version", "--client");
      return true;
    } catch (IOException | InterruptedException | AssertionError e) {
      return false;
    }
  }

  private static String run(String... command) throws IOException, InterruptedException {
    Path out = Files.createTempFile("tcpgate-kubectl", ".out");
    Path err = Files.createTempFile("tcpgate-kubectl", ".err");
    try {
      Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(String.join(" ", command) + " did not finish in 60 s");
      }
      if (p.exitValue() != 0) {
        throw new AssertionError(String.join(" ", command) + " exited " + p.exitValue() + ": "
          + Files.readString(err).strip());
      }
      return Files.readString(out, StandardCharsets.UTF_8);
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }
}
