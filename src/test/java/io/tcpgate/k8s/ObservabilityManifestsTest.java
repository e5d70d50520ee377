package io.tcpgate.k8s;

import io.tcpgate.config.AdminConfig;
import io.tcpgate.config.GatewayConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
 * Keeps the monitoring in {@code k8s/observability} (PodMonitor, PrometheusRule, the Grafana dashboard's ConfigMap)
 * and {@code k8s/overlays/prometheus-operator} (the standalone layout plus that) in agreement with the layouts they
 * watch: the PodMonitor selects the pods of both layouts and scrapes their admin port and metrics path, names the job
 * the rules select, the rules are well formed, and the dashboard is Grafana JSON whose panels do not overlap. That
 * every metric they use exists is {@code ObservabilityMetricsTest}'s part, against a live scrape.
 */
class ObservabilityManifestsTest {

  private static final Path BASE = Path.of(System.getProperty("basedir", System.getProperty("user.dir")))
    .toAbsolutePath().normalize();
  private static final Path OBSERVABILITY = BASE.resolve("k8s/observability");
  private static final Path OVERLAY = BASE.resolve("k8s/overlays/prometheus-operator");
  private static final String OPERATOR_API = "monitoring.coreos.com/v1";
  /** The job the rules select and the PodMonitor's jobLabel must yield. */
  private static final String JOB = "tcpgate";
  private static final Pattern METRIC = Pattern.compile(
    "(?<![A-Za-z0-9_:\"])((?:tcpgate|jvm|process|system)_[A-Za-z0-9_]+|up)\\b(\\s*\\{[^}]*})?");
  private static final Pattern DURATION = Pattern.compile("\\d+[smhd]");

  private static Kustomize.Rendered observability;
  private static Kustomize.Rendered overlay;
  private static Kustomize.Rendered standalone;
  private static Kustomize.Rendered cluster;

  @BeforeAll
  static void render() throws IOException {
    observability = Kustomize.render(OBSERVABILITY);
    overlay = Kustomize.render(OVERLAY);
    standalone = Kustomize.render(BASE.resolve("k8s/base"));
    cluster = Kustomize.render(BASE.resolve("k8s/cluster"));
  }

  @Test
  void theOverlayIsTheStandaloneLayoutPlusTheMonitoring() throws IOException {
    Map<String, Object> k = map(yaml().load(Files.readString(OVERLAY.resolve("kustomization.yaml"))), "kustomization");
    assertThat(strings(k.get("resources"))).as("k8s/overlays/prometheus-operator resources")
      .containsExactly("../../base", "../../observability");
    assertThat(k.keySet()).as("the overlay changes nothing of the base").containsExactlyInAnyOrder("apiVersion", "kind",
      "resources");
    Set<String> expected = new TreeSet<>(kinds(standalone));
    expected.addAll(kinds(observability));
    assertThat(kinds(overlay)).as("objects of the overlay").isEqualTo(expected);
    Set<String> present;
    try (Stream<Path> files = Files.list(OBSERVABILITY)) {
      present = files.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith("kustomization."))
        .collect(Collectors.toCollection(TreeSet::new));
    }
    assertThat(observability.referencedFiles.get(OBSERVABILITY)).as("files in k8s/observability its kustomization"
      + " uses (kubectl apply -k would skip the others)").containsExactlyInAnyOrderElementsOf(present);
  }

  @Test
  void podMonitorScrapesTheAdminPortOfEveryTcpgatePodAndNamesTheJob() {
    List<Map<String, Object>> monitors = observability.ofKind("PodMonitor");
    assertThat(monitors).as("PodMonitors").hasSize(1);
    Map<String, Object> monitor = monitors.get(0);
    assertThat(monitor.get("apiVersion")).as("PodMonitor apiVersion").isEqualTo(OPERATOR_API);
    Map<String, Object> selector = NetworkPolicies.matchLabels(spec(monitor).get("selector"), "PodMonitor selector");
    List<Map<String, Object>> endpoints = maps(spec(monitor).get("podMetricsEndpoints"), "podMetricsEndpoints");
    assertThat(endpoints).as("PodMonitor podMetricsEndpoints").hasSize(1);
    Map<String, Object> endpoint = endpoints.get(0);
    assertThat(endpoint.get("path")).as("PodMonitor path vs. AdminConfig.METRICS_PATH")
      .isEqualTo(AdminConfig.METRICS_PATH);
    String jobLabel = str(spec(monitor).get("jobLabel"), "PodMonitor jobLabel");
    List<Map<String, Object>> deployments = new ArrayList<>(standalone.ofKind("Deployment"));
    deployments.addAll(cluster.ofKind("Deployment"));
    assertThat(deployments).as("Deployments of both layouts").hasSize(3);
    for (Map<String, Object> deployment : deployments) {
      String what = "Deployment " + name(deployment) + ": ";
      Map<String, Object> labels = podLabels(deployment);
      assertThat(NetworkPolicies.selects(selector, labels)).as(what + "PodMonitor selector " + selector
        + " vs. pod labels " + labels).isTrue();
      assertThat(labels.get(jobLabel)).as(what + "pod label " + jobLabel + " (the PodMonitor's jobLabel) must be the"
        + " job the alert rules select").isEqualTo(JOB);
      Map<String, Object> container = maps(podSpec(deployment).get("containers"), "containers").stream()
        .filter(c -> "tcpgate".equals(c.get("name"))).findFirst().orElseThrow();
      Integer port = maps(container.get("ports"), "ports").stream()
        .filter(p -> String.valueOf(endpoint.get("port")).equals(p.get("name")))
        .map(p -> ((Number) p.get("containerPort")).intValue()).findFirst().orElse(null);
      assertThat(port).as(what + "PodMonitor port '" + endpoint.get("port") + "' must name a container port")
        .isNotNull();
      assertThat(port).as(what + "PodMonitor port vs. admin.port of the mounted config")
        .isEqualTo(mountedConfig(deployment, cluster.configMaps.containsKey(configMapName(deployment))
          ? cluster : standalone).admin().port());
    }
  }

  @Test
  void alertRulesAreWellFormedAndSelectTheScrapeJob() {
    List<Map<String, Object>> rules = observability.ofKind("PrometheusRule");
    assertThat(rules).as("PrometheusRules").hasSize(1);
    assertThat(rules.get(0).get("apiVersion")).as("PrometheusRule apiVersion").isEqualTo(OPERATOR_API);
    assertThat(spec(rules.get(0)).keySet()).as("PrometheusRule spec (a plain Prometheus rule file: groups only)")
      .containsExactly("groups");
    Set<String> groups = new HashSet<>();
    Set<String> alerts = new HashSet<>();
    for (Map<String, Object> group : maps(spec(rules.get(0)).get("groups"), "groups")) {
      String groupName = str(group.get("name"), "group name");
      assertThat(groups.add(groupName)).as("group names are unique: " + groupName).isTrue();
      for (Map<String, Object> rule : maps(group.get("rules"), "group " + groupName + " rules")) {
        String alert = str(rule.get("alert"), "group " + groupName + ": alert name");
        String what = "alert " + alert + ": ";
        assertThat(alert).as(what + "name").matches("Tcpgate[A-Z][A-Za-z]+");
        assertThat(alerts.add(alert)).as(what + "alert names are unique").isTrue();
        assertThat(rule.keySet()).as(what + "keys").isSubsetOf("alert", "expr", "for", "labels", "annotations");
        String expr = str(rule.get("expr"), what + "expr");
        Matcher m = METRIC.matcher(expr);
        int selectors = 0;
        while (m.find()) {
          selectors++;
          assertThat(m.group(2)).as(what + "every metric selector must select job=\"" + JOB + "\" (the PodMonitor's"
            + " job; the JVM and process metrics of other jobs have the same names): " + m.group()).isNotNull()
            .contains("job=\"" + JOB + "\"");
        }
        assertThat(selectors).as(what + "metric selectors in " + expr).isPositive();
        if (rule.get("for") != null) {
          assertThat(String.valueOf(rule.get("for"))).as(what + "for").matches(DURATION);
        }
        assertThat(map(rule.get("labels"), what + "labels").get("severity")).as(what + "severity")
          .isIn("warning", "critical");
        Map<String, Object> annotations = map(rule.get("annotations"), what + "annotations");
        assertThat(str(annotations.get("summary"), what + "summary")).isNotBlank();
        assertThat(str(annotations.get("description"), what + "description")).isNotBlank();
      }
    }
    assertThat(alerts).as("alerts the issue asks for: not ready, timeouts, refusals, certificate expiry, TLS reload,"
      + " accept errors, busy").contains("TcpgateInstanceDown", "TcpgateTargetsAbsent", "TcpgateRequestTimeouts",
      "TcpgateBusy", "TcpgateConnectionsRefusedByLimits", "TcpgateCertificateExpiresSoon", "TcpgateTlsReloadRejected",
      "TcpgateAcceptErrors");
  }

  @Test
  void theDashboardIsGrafanaJsonInAConfigMapForGrafanasSidecar() throws IOException {
    String file = Files.readString(OBSERVABILITY.resolve("grafana-dashboard.json"));
    assertThat(observability.configMaps.get("tcpgate-grafana-dashboard")).as("ConfigMap tcpgate-grafana-dashboard")
      .containsExactly(Map.entry("tcpgate.json", file));
    Map<String, Object> k = map(yaml().load(Files.readString(OBSERVABILITY.resolve("kustomization.yaml"))),
      "kustomization");
    Map<String, Object> generator = maps(k.get("configMapGenerator"), "configMapGenerator").get(0);
    assertThat(map(map(generator.get("options"), "options").get("labels"), "labels").get("grafana_dashboard"))
      .as("label grafana_dashboard: \"1\", which Grafana's dashboard sidecar looks for").isEqualTo("1");

    JsonObject dashboard = new JsonObject(file);
    assertThat(dashboard.getString("uid")).as("dashboard uid").isEqualTo("tcpgate");
    assertThat(dashboard.getString("title")).as("dashboard title").isNotBlank();
    assertThat(dashboard.getInteger("schemaVersion")).as("dashboard schemaVersion").isGreaterThanOrEqualTo(36);
    JsonArray variables = dashboard.getJsonObject("templating").getJsonArray("list");
    assertThat(variables.stream().map(v -> (JsonObject) v).map(v -> v.getString("type") + ":" + v.getString("name")))
      .as("template variables").contains("datasource:datasource");
    Set<Integer> ids = new HashSet<>();
    List<int[]> boxes = new ArrayList<>();
    Set<String> titles = new TreeSet<>();
    for (Object p : dashboard.getJsonArray("panels")) {
      JsonObject panel = (JsonObject) p;
      String what = "panel '" + panel.getString("title") + "': ";
      assertThat(ids.add(panel.getInteger("id"))).as(what + "id is unique").isTrue();
      JsonObject pos = panel.getJsonObject("gridPos");
      int[] box = {pos.getInteger("x"), pos.getInteger("y"), pos.getInteger("w"), pos.getInteger("h")};
      assertThat(box[0] + box[2]).as(what + "x + w (the grid is 24 wide)").isLessThanOrEqualTo(24);
      for (int[] other : boxes) {
        boolean overlap = box[0] < other[0] + other[2] && other[0] < box[0] + box[2]
          && box[1] < other[1] + other[3] && other[1] < box[1] + box[3];
        assertThat(overlap).as(what + "overlaps another panel").isFalse();
      }
      boxes.add(box);
      if ("row".equals(panel.getString("type"))) {
        titles.add(panel.getString("title"));
        continue;
      }
      assertThat(panel.getJsonObject("datasource").getString("uid")).as(what + "datasource")
        .isEqualTo("${datasource}");
      assertThat(panel.getJsonArray("targets")).as(what + "targets").isNotEmpty();
      for (Object t : panel.getJsonArray("targets")) {
        assertThat(((JsonObject) t).getString("expr")).as(what + "expr").isNotBlank();
      }
    }
    assertThat(titles).as("dashboard rows").contains("Connections", "Frames and replies", "Latency", "TLS",
      "Event-bus bridge", "JVM and process");
  }

  // ---------------------------------------------------------------------------------------------------------------

  private static Set<String> kinds(Kustomize.Rendered rendered) {
    return rendered.kinds();
  }

  private static Map<String, Object> podSpec(Map<String, Object> deployment) {
    return map(map(spec(deployment).get("template"), "template").get("spec"), "template spec");
  }

  private static Map<String, Object> podLabels(Map<String, Object> deployment) {
    return new LinkedHashMap<>(map(map(map(spec(deployment).get("template"), "template").get("metadata"),
      "template metadata").get("labels"), "template labels"));
  }

  private static String configMapName(Map<String, Object> deployment) {
    return maps(podSpec(deployment).get("volumes"), "volumes").stream().filter(v -> v.get("configMap") != null)
      .map(v -> String.valueOf(map(v.get("configMap"), "configMap").get("name"))).findFirst().orElseThrow();
  }

  /** The config.json of the Deployment's ConfigMap volume (the manifest tests check it is what -conf names). */
  private static GatewayConfig mountedConfig(Map<String, Object> deployment, Kustomize.Rendered layout) {
    Map<String, String> data = layout.configMaps.get(configMapName(deployment));
    assertThat(data).as("ConfigMap " + configMapName(deployment)).containsKey("config.json");
    return GatewayConfig.fromJson(new JsonObject(data.get("config.json")));
  }
}
