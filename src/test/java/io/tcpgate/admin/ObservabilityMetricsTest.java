package io.tcpgate.admin;

import io.tcpgate.testing.RawClient;
import io.tcpgate.testing.TestCertificates;
import io.tcpgate.testing.TestGateway;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.tcpgate.testing.Yamls.map;
import static io.tcpgate.testing.Yamls.maps;
import static io.tcpgate.testing.Yamls.yaml;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every metric the Grafana dashboard ({@code k8s/observability/grafana-dashboard.json}), the alert rules
 * ({@code k8s/observability/prometheusrule.yaml}) and the connections autoscaling
 * ({@code k8s/overlays/hpa-connections}: the HPA's Pods metric and the prometheus-adapter rule) use must be in a real
 * {@code /metrics} scrape: a gateway in this JVM with a plain and a TLS listener, the bridge and the admin server, one
 * connection through each listener, one garbage collection (the GC pause timer appears after the first).
 *
 * <p>Names are taken from the PromQL expressions with a regex over {@code tcpgate_*}, {@code jvm_*}, {@code process_*}
 * and {@code system_*} identifiers, and compared with the names of the scraped samples as exposed: a histogram's
 * {@code _bucket}, {@code _count} and {@code _sum}, a counter's {@code _total}. That is stricter than comparing
 * family names with the suffixes stripped: a histogram's bare family name selects nothing in PromQL. Literal label
 * values of {@code =} and {@code =~ "a|b"} matchers ({@code outcome="timeout"}) must exist on that metric too, except
 * for the labels Prometheus adds ({@code job}, {@code instance}, {@code namespace}, {@code pod}, ...).
 */
class ObservabilityMetricsTest {

  private static final Path BASE = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
  private static final Path DASHBOARD = BASE.resolve("k8s/observability/grafana-dashboard.json");
  private static final Path RULES = BASE.resolve("k8s/observability/prometheusrule.yaml");
  private static final Path HPA_PATCH = BASE.resolve("k8s/overlays/hpa-connections/hpa-patch.yaml");
  private static final Path ADAPTER_RULES = BASE.resolve("k8s/overlays/hpa-connections/prometheus-adapter-rules.yaml");

  /** A metric name of tcpgate, the JVM or the process, not inside another identifier. */
  private static final Pattern NAME =
    Pattern.compile("(?<![A-Za-z0-9_:])((?:tcpgate|jvm|process|system)_[A-Za-z0-9_]+)");
  /** A selector {@code name{matchers}}. */
  private static final Pattern SELECTOR = Pattern.compile(NAME.pattern() + "\\s*\\{([^}]*)}");
  private static final Pattern MATCHER = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)\\s*(=~|!~|!=|=)\\s*\"([^\"]*)\"");
  private static final Pattern SAMPLE = Pattern.compile("^([A-Za-z_:][A-Za-z0-9_:]*)(?:\\{(.*)})?\\s+\\S+.*$");
  private static final Pattern LABEL = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");
  /** Labels the scrape has not: Prometheus's target labels, and what the operator or relabelling add. */
  private static final Set<String> TARGET_LABELS = Set.of("job", "instance", "namespace", "pod", "container",
    "endpoint", "service", "app_kubernetes_io_component");

  private static TestGateway gw;
  /** Sample name -> label -> the values seen. */
  private static Map<String, Map<String, Set<String>>> scraped;

  @BeforeAll
  static void scrapeARealGateway(@TempDir Path dir) throws Exception {
    TestCertificates ca = TestCertificates.newCa("observability test CA");
    ca.server(11, "gw.test").write(dir.resolve("tls.crt"), dir.resolve("tls.key"));
    JsonObject config = TestGateway.config(
      TestGateway.listener("lines", "echo"),
      TestGateway.listener("secure", "echo").put("tls", new JsonObject()
        .put("certPath", dir.resolve("tls.crt").toString()).put("keyPath", dir.resolve("tls.key").toString())));
    config.put("workers", new JsonArray().add(new JsonObject().put("verticle", "echo")
      .put("config", new JsonObject().put("address", "echo"))));
    config.put("bridge", new JsonObject().put("enabled", true).put("port", 0));
    config.put("admin", new JsonObject().put("host", "127.0.0.1").put("port", 0));
    gw = new TestGateway();
    gw.start(config).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    gw.app().reloadFrom(() -> io.vertx.core.Future.succeededFuture(config), config);

    try (RawClient client = RawClient.connect(gw.port("lines"))) {
      assertThat(client.send("plain\n").readLine()).isEqualTo("plain");
    }
    SSLContext tls = SSLContext.getInstance("TLS");
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", ca.ca().certificate());
    TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
    tmf.init(trust);
    tls.init(null, tmf.getTrustManagers(), null);
    try (RawClient raw = RawClient.connect(gw.port("secure"));
         SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket(raw.socket(), "localhost",
           gw.port("secure"), true)) {
      socket.startHandshake();
      socket.getOutputStream().write("over tls\n".getBytes(StandardCharsets.UTF_8));
      assertThat(new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))
        .readLine()).isEqualTo("over tls");
    }
    gw.awaitNothingHeld(10_000);

    System.gc();
    String text = null;
    for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10); System.nanoTime() < deadline; ) {
      text = scrape();
      if (text.contains("jvm_gc_pause_seconds_count")) {
        break;
      }
      Thread.sleep(100);
    }
    scraped = parse(text);
  }

  @AfterAll
  static void stop() throws Exception {
    if (gw != null) {
      gw.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void everyMetricTheDashboardUsesIsScraped() throws IOException {
    JsonObject dashboard = new JsonObject(Files.readString(DASHBOARD));
    List<String> exprs = new ArrayList<>();
    for (Object p : dashboard.getJsonArray("panels")) {
      JsonObject panel = (JsonObject) p;
      for (Object t : panel.getJsonArray("targets", new JsonArray())) {
        exprs.add(((JsonObject) t).getString("expr"));
      }
    }
    for (Object v : dashboard.getJsonObject("templating").getJsonArray("list")) {
      Object query = ((JsonObject) v).getValue("query");
      if (query instanceof JsonObject q) {
        exprs.add(q.getString("query"));
      }
    }
    assertThat(exprs).as("PromQL expressions of " + DASHBOARD).hasSizeGreaterThan(20);
    assertScraped("the dashboard", exprs);
    assertThat(names(exprs)).as("metric names the dashboard uses").hasSizeGreaterThan(30)
      .contains("tcpgate_connections_open", "tcpgate_request_latency_seconds_bucket",
        "tcpgate_tls_certificate_expiry_seconds", "tcpgate_bridge_connections_open", "jvm_gc_pause_seconds_sum",
        "process_files_open_files", "process_cpu_usage", "jvm_threads_live_threads");
  }

  @Test
  void everyMetricTheAlertRulesUseIsScraped() throws IOException {
    Map<String, Object> rule = map(yaml().load(Files.readString(RULES)), RULES.toString());
    List<String> exprs = new ArrayList<>();
    for (Map<String, Object> group : maps(map(rule.get("spec"), "spec").get("groups"), "groups")) {
      for (Map<String, Object> r : maps(group.get("rules"), "rules")) {
        exprs.add(String.valueOf(r.get("expr")));
      }
    }
    assertThat(exprs).as("expressions of " + RULES).hasSizeGreaterThan(10);
    assertScraped("the alert rules", exprs);
    assertThat(names(exprs)).as("metric names the alert rules use").contains("tcpgate_replies_total",
      "tcpgate_connections_refused_total", "tcpgate_tls_certificate_expiry_seconds", "tcpgate_tls_reloads_total",
      "tcpgate_accept_errors_total");
  }

  @Test
  void theAutoscalingMetricIsScraped() throws IOException {
    List<String> used = new ArrayList<>();
    Map<String, Object> hpa = map(yaml().load(Files.readString(HPA_PATCH)), HPA_PATCH.toString());
    for (Map<String, Object> metric : maps(map(hpa.get("spec"), "spec").get("metrics"), "metrics")) {
      if ("Pods".equals(metric.get("type"))) {
        used.add(String.valueOf(map(map(metric.get("pods"), "pods").get("metric"), "metric").get("name")));
      }
    }
    Map<String, Object> adapter = map(yaml().load(Files.readString(ADAPTER_RULES)), ADAPTER_RULES.toString());
    for (Map<String, Object> r : maps(adapter.get("rules"), "rules")) {
      used.add(String.valueOf(r.get("seriesQuery")));
    }
    assertThat(names(used)).as("metrics the connections HPA and its prometheus-adapter rule use")
      .containsExactly("tcpgate_connections_open");
    assertScraped("the connections autoscaling", used);
  }

  @Test
  void aMisspeltNameOrLabelValueIsCaught() {
    assertThat(missing(List.of("sum(rate(tcpgate_frames_inn_total[5m]))"))).as("a misspelt metric name")
      .containsExactly("tcpgate_frames_inn_total");
    assertThat(missing(List.of("histogram_quantile(0.9, rate(tcpgate_request_latency_seconds[5m]))")))
      .as("a histogram's family name without _bucket selects nothing")
      .containsExactly("tcpgate_request_latency_seconds");
    assertThat(missing(List.of("rate(tcpgate_replies_total{job=\"tcpgate\",outcome=\"timout\"}[5m])")))
      .as("a misspelt label value").containsExactly("tcpgate_replies_total{outcome=\"timout\"}");
    assertThat(missing(List.of("rate(tcpgate_connections_refused_total{reason=~\"rule|tls-handshak\"}[5m])")))
      .as("a misspelt alternative of a regex matcher")
      .containsExactly("tcpgate_connections_refused_total{reason=~\"tls-handshak\"}");
    assertThat(missing(List.of("tcpgate_build_info{version!=\"x\"} and on() process_uptime_seconds"))).isEmpty();
  }

  @Test
  void buildInfoNamesTheVersions() {
    Map<String, Set<String>> labels = scraped.get("tcpgate_build_info");
    assertThat(labels).as("tcpgate_build_info in the scrape").isNotNull();
    assertThat(labels.get("version")).containsExactly(GatewayInfo.version());
    assertThat(labels.get("java_version")).containsExactly(System.getProperty("java.version"));
    assertThat(labels.get("vertx_version")).singleElement().asString().matches("\\d+\\.\\d+\\.\\d+.*");
  }

  // ---------------------------------------------------------------------------------------------------------------

  private static void assertScraped(String what, List<String> exprs) {
    assertThat(missing(exprs)).as("metrics (and label values) used by " + what + " that a live /metrics scrape does"
      + " not have: misspelt, or not exposed by tcpgate; scraped names: " + scraped.keySet()).isEmpty();
  }

  /** The names, and {@code name{label="value"}} matchers, of {@code exprs} that the scrape lacks. */
  private static Set<String> missing(List<String> exprs) {
    Set<String> missing = new TreeSet<>();
    for (String name : names(exprs)) {
      if (!scraped.containsKey(name)) {
        missing.add(name);
      }
    }
    for (String expr : exprs) {
      Matcher selector = SELECTOR.matcher(expr);
      while (selector.find()) {
        Map<String, Set<String>> labels = scraped.get(selector.group(1));
        if (labels == null) {
          continue;
        }
        Matcher m = MATCHER.matcher(selector.group(2));
        while (m.find()) {
          String label = m.group(1);
          String op = m.group(2);
          String value = m.group(3);
          if (TARGET_LABELS.contains(label) || value.contains("$") || op.startsWith("!")) {
            continue;
          }
          List<String> wanted = op.equals("=") ? List.of(value)
            : value.matches("[A-Za-z0-9_.|-]+") ? List.of(value.split("\\|")) : List.of();
          for (String v : wanted) {
            if (!labels.getOrDefault(label, Set.of()).contains(v)) {
              missing.add(selector.group(1) + "{" + label + op + "\"" + v + "\"}");
            }
          }
        }
      }
    }
    return missing;
  }

  private static Set<String> names(List<String> exprs) {
    Set<String> names = new TreeSet<>();
    for (String expr : exprs) {
      Matcher m = NAME.matcher(expr);
      while (m.find()) {
        names.add(m.group(1));
      }
    }
    return names;
  }

  private static String scrape() throws IOException, InterruptedException {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
      + gw.app().adminPort() + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
      HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("GET /metrics").isEqualTo(200);
    return response.body();
  }

  private static Map<String, Map<String, Set<String>>> parse(String text) {
    Map<String, Map<String, Set<String>>> samples = new TreeMap<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      Matcher m = SAMPLE.matcher(line);
      assertThat(m.matches()).as("a sample line of the scrape: " + line).isTrue();
      Map<String, Set<String>> labels = samples.computeIfAbsent(m.group(1), n -> new LinkedHashMap<>());
      if (m.group(2) != null) {
        Matcher l = LABEL.matcher(m.group(2));
        while (l.find()) {
          labels.computeIfAbsent(l.group(1), k -> new TreeSet<>()).add(l.group(2));
        }
      }
    }
    return samples;
  }
}
