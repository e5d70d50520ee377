package io.tcpgate.k8s;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.tcpgate.testing.Yamls.map;
import static io.tcpgate.testing.Yamls.maps;
import static io.tcpgate.testing.Yamls.name;
import static io.tcpgate.testing.Yamls.spec;
import static io.tcpgate.testing.Yamls.str;
import static io.tcpgate.testing.Yamls.strings;
import static io.tcpgate.testing.Yamls.yaml;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps {@code k8s/overlays/hpa-connections} (the standalone layout, its HPA scaling on open connections per pod as
 * well as on CPU) in agreement with its base and with the prometheus-adapter rule it documents: the overlay changes
 * the HPA's metrics and nothing else, keeps the base's CPU metric, and the Pods metric it names is the one the
 * adapter rule serves, per pod and namespace. {@code ObservabilityMetricsTest} checks the metric exists in a live
 * scrape.
 */
class HpaConnectionsOverlayTest {

  private static final Path BASE = Path.of(System.getProperty("basedir", System.getProperty("user.dir")))
    .toAbsolutePath().normalize();
  private static final Path OVERLAY = BASE.resolve("k8s/overlays/hpa-connections");
  private static final String ADAPTER_RULES = "prometheus-adapter-rules.yaml";

  private static Kustomize.Rendered overlay;
  private static Kustomize.Rendered base;

  @BeforeAll
  static void render() throws IOException {
    overlay = Kustomize.render(OVERLAY);
    base = Kustomize.render(BASE.resolve("k8s/base"));
  }

  @Test
  void theOverlayChangesTheHpaMetricsAndNothingElse() throws IOException {
    Map<String, Object> k = map(yaml().load(Files.readString(OVERLAY.resolve("kustomization.yaml"))), "kustomization");
    assertThat(strings(k.get("resources"))).as("resources").containsExactly("../../base");
    Set<String> present;
    try (Stream<Path> files = Files.list(OVERLAY)) {
      present = files.map(p -> p.getFileName().toString())
        .filter(n -> !n.startsWith("kustomization.") && !n.equals(ADAPTER_RULES))
        .collect(Collectors.toCollection(TreeSet::new));
    }
    assertThat(overlay.referencedFiles.get(OVERLAY)).as("files of the overlay its kustomization uses ("
      + ADAPTER_RULES + " is prometheus-adapter's configuration, not a Kubernetes object)")
      .containsExactlyInAnyOrderElementsOf(present);
    assertThat(kinds(overlay)).as("objects of the overlay vs. the base's").isEqualTo(kinds(base));
    for (Map<String, Object> obj : base.objects) {
      Map<String, Object> mine = overlay.get(String.valueOf(obj.get("kind")), name(obj));
      if ("HorizontalPodAutoscaler".equals(obj.get("kind"))) {
        Map<String, Object> theirs = new LinkedHashMap<>(spec(obj));
        Map<String, Object> ours = new LinkedHashMap<>(spec(mine));
        theirs.remove("metrics");
        ours.remove("metrics");
        assertThat(ours).as("HPA spec but its metrics vs. the base's (replica range, target, behavior)")
          .isEqualTo(theirs);
      } else {
        assertThat(plain(mine)).as(obj.get("kind") + " " + name(obj) + " vs. the base's").isEqualTo(plain(obj));
      }
    }
  }

  @Test
  void theHpaScalesOnCpuAndOnConnectionsPerPodAsTheAdapterServesThem() throws IOException {
    Map<String, Object> hpa = overlay.ofKind("HorizontalPodAutoscaler").get(0);
    Map<String, Object> baseHpa = base.ofKind("HorizontalPodAutoscaler").get(0);
    List<Map<String, Object>> metrics = maps(spec(hpa).get("metrics"), "HPA metrics");
    List<Map<String, Object>> cpu = metrics.stream().filter(m -> "Resource".equals(m.get("type"))).toList();
    assertThat(cpu).as("the HPA keeps the base's CPU metric")
      .isEqualTo(maps(spec(baseHpa).get("metrics"), "base HPA metrics"));
    List<Map<String, Object>> pods = metrics.stream().filter(m -> "Pods".equals(m.get("type"))).toList();
    assertThat(pods).as("Pods metrics of the HPA").hasSize(1);
    Map<String, Object> podsMetric = map(pods.get(0).get("pods"), "pods");
    String metric = str(map(podsMetric.get("metric"), "pods.metric").get("name"), "pods.metric.name");
    assertThat(metric).as("the HPA's Pods metric").isEqualTo("tcpgate_connections_open");
    Map<String, Object> target = map(podsMetric.get("target"), "pods.target");
    assertThat(target.get("type")).as("pods.target.type (connections per pod)").isEqualTo("AverageValue");
    assertThat(Long.parseLong(String.valueOf(target.get("averageValue")))).as("pods.target.averageValue")
      .isPositive();

    Map<String, Object> adapter = map(yaml().load(Files.readString(OVERLAY.resolve(ADAPTER_RULES))), ADAPTER_RULES);
    List<Map<String, Object>> serving = maps(adapter.get("rules"), "rules").stream()
      .filter(r -> metric.equals(map(r.get("name"), "rule name").get("as"))).toList();
    assertThat(serving).as(ADAPTER_RULES + ": rules serving " + metric).hasSize(1);
    Map<String, Object> rule = serving.get(0);
    assertThat(str(rule.get("seriesQuery"), "seriesQuery")).as("seriesQuery: the series, with the labels the"
      + " adapter maps to the pod and its namespace").startsWith(metric + "{").contains("namespace!=\"\"")
      .contains("pod!=\"\"");
    Map<String, Object> overrides = map(map(rule.get("resources"), "resources").get("overrides"), "overrides");
    assertThat(map(overrides.get("namespace"), "namespace override").get("resource")).isEqualTo("namespace");
    assertThat(map(overrides.get("pod"), "pod override").get("resource")).isEqualTo("pod");
    assertThat(str(rule.get("metricsQuery"), "metricsQuery")).as("metricsQuery: summed per pod over its listeners")
      .contains("sum by (<<.GroupBy>>)", "<<.Series>>{<<.LabelMatchers>>}");
  }

  private static Set<String> kinds(Kustomize.Rendered rendered) {
    return rendered.kinds();
  }

  private static Map<String, Object> plain(Map<String, Object> obj) {
    Map<String, Object> copy = new LinkedHashMap<>(obj);
    copy.keySet().removeIf(k -> k.startsWith("__"));
    return copy;
  }
}
