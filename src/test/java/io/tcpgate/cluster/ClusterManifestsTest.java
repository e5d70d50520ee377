package io.tcpgate.cluster;

import io.tcpgate.config.AdminConfig;
import io.tcpgate.config.ClusterConfig;
import io.tcpgate.config.ConfigException;
import io.tcpgate.config.ConfigOverrides;
import io.tcpgate.config.GatewayConfig;
import io.tcpgate.config.ListenerConfig;
import io.tcpgate.k8s.NetworkPolicies;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
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
import static org.assertj.core.api.Assertions.fail;

/**
 * Keeps the clustered layout in {@code k8s/cluster/} in agreement with the real configuration schema and with
 * itself: each Deployment's mounted config, after the container's {@code TCPGATE_*} env overrides (the downward API's
 * {@code status.podIP} stands in as {@value #POD_IP}), passes {@link GatewayConfig#fromJson}; the roles are
 * {@code gateway} and {@code worker}; Hazelcast's Kubernetes discovery names the headless Service that selects both
 * Deployments; the Hazelcast and event-bus ports are container ports; the RBAC binds the ServiceAccount the pods run
 * as to what the discovery reads. Reads the manifests the way {@code kubectl kustomize k8s/cluster} does: the
 * {@code resources} of its kustomization plus its {@code configMapGenerator}.
 */
class ClusterManifestsTest {

  private static final Path BASE = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
  private static final Path DIR = BASE.resolve("k8s/cluster");
  private static final String CONTAINER = "tcpgate";
  /** What {@code fieldRef: status.podIP} yields in a pod, for the env overrides. */
  private static final String POD_IP = "10.244.1.17";
  private static final long SHUTDOWN_MARGIN_MS = 5_000;

  private static final List<Map<String, Object>> OBJECTS = new ArrayList<>();
  private static final List<String> RESOURCES = new ArrayList<>();
  /** ConfigMap name (before kustomize's hash suffix) -> key -> content. */
  private static final Map<String, Map<String, String>> CONFIG_MAPS = new LinkedHashMap<>();
  private static final Set<String> GENERATOR_FILES = new TreeSet<>();

  @BeforeAll
  static void load() throws IOException {
    Path kustomization = DIR.resolve("kustomization.yaml");
    assertThat(kustomization).as("k8s/cluster/kustomization.yaml").isRegularFile();
    Map<String, Object> k = map(yaml().load(Files.readString(kustomization)), "kustomization.yaml");
    for (String resource : strings(k.getOrDefault("resources", List.of()))) {
      Path file = DIR.resolve(resource);
      assertThat(file).as("k8s/cluster/kustomization.yaml lists resource %s", resource).isRegularFile();
      RESOURCES.add(resource);
      for (Object doc : yaml().loadAll(Files.readString(file))) {
        if (doc != null) {
          Map<String, Object> object = new LinkedHashMap<>(map(doc, resource));
          object.put("__file", resource);
          OBJECTS.add(object);
        }
      }
    }
    for (Map<String, Object> gen : maps(k.get("configMapGenerator"), "configMapGenerator")) {
      Map<String, String> data = CONFIG_MAPS.computeIfAbsent(str(gen.get("name"), "generator name"),
        n -> new LinkedHashMap<>());
      for (String entry : strings(gen.getOrDefault("files", List.of()))) {
        int eq = entry.indexOf('=');
        String path = eq < 0 ? entry : entry.substring(eq + 1);
        String key = eq < 0 ? Path.of(path).getFileName().toString() : entry.substring(0, eq);
        assertThat(DIR.resolve(path)).as("configMapGenerator file %s", path).isRegularFile();
        data.put(key, Files.readString(DIR.resolve(path)));
        GENERATOR_FILES.add(path);
      }
    }
    for (Map<String, Object> object : OBJECTS) {
      if ("ConfigMap".equals(object.get("kind"))) {
        Map<String, String> data = CONFIG_MAPS.computeIfAbsent(name(object), n -> new LinkedHashMap<>());
        map(object.getOrDefault("data", Map.of()), "ConfigMap data")
          .forEach((key, v) -> data.put(key, String.valueOf(v)));
      }
    }
  }

  @Test
  void kustomizationListsEveryManifestAndEveryConfigFile() throws IOException {
    Set<String> yamls;
    Set<String> jsons;
    try (Stream<Path> files = Files.list(DIR)) {
      List<String> names = files.map(p -> p.getFileName().toString()).toList();
      yamls = names.stream().filter(n -> n.endsWith(".yaml") && !n.startsWith("kustomization."))
        .collect(Collectors.toCollection(TreeSet::new));
      jsons = names.stream().filter(n -> n.endsWith(".json")).collect(Collectors.toCollection(TreeSet::new));
    }
    assertThat(RESOURCES).as("k8s/cluster/kustomization.yaml resources (kubectl apply -k skips files it does not"
      + " list)").containsExactlyInAnyOrderElementsOf(yamls);
    assertThat(GENERATOR_FILES).as("config files turned into ConfigMaps").containsExactlyInAnyOrderElementsOf(jsons);
    assertThat(ofKind("Deployment")).as("Deployments in k8s/cluster").hasSize(2);
  }

  @Test
  void eachDeploymentMountsAValidConfigWithItsRoleAndKubernetesDiscovery() {
    Set<ClusterConfig.Role> roles = new TreeSet<>();
    Set<Integer> heartbeats = new TreeSet<>();
    for (Map<String, Object> deployment : ofKind("Deployment")) {
      String component = String.valueOf(podLabels(deployment).get("app.kubernetes.io/component"));
      GatewayConfig config = effectiveConfig(deployment);
      ClusterConfig cluster = config.cluster();
      String what = "Deployment " + name(deployment) + " (component " + component + "): cluster.";
      assertThat(cluster.enabled()).as(what + "enabled").isTrue();
      assertThat(cluster.role().configName()).as(what + "role vs. the pods' component label").isEqualTo(component);
      roles.add(cluster.role());
      assertThat(cluster.kubernetes()).as(what + "kubernetes.enabled").isTrue();
      assertThat(cluster.host()).as(what + "host must come from env " + ConfigOverrides.ENV_PREFIX + "CLUSTER_HOST"
        + " = the downward API's status.podIP: the other members reach this pod there (the default 127.0.0.1"
        + " would make every pod advertise loopback)").isEqualTo(POD_IP);
      heartbeats.add(cluster.heartbeatTimeoutSeconds());
      if (cluster.role() == ClusterConfig.Role.GATEWAY) {
        assertThat(config.listeners()).as(what + " a gateway needs listeners").isNotEmpty();
        assertThat(config.workers()).as(what + " workers in a gateway's config would never be deployed").isEmpty();
      } else {
        assertThat(config.workers()).as(what + " a worker needs workers").isNotEmpty();
        assertThat(config.listeners()).as(what + " listeners in a worker's config would never be bound").isEmpty();
      }
      String logFormat = env(container(deployment)).get("LOG_FORMAT");
      if (logFormat != null) {
        assertThat(logFormat).as("Deployment " + name(deployment) + " env LOG_FORMAT vs. logging.format")
          .isEqualTo(config.logFormat().configName());
      }
    }
    assertThat(roles).as("roles of the Deployments").containsExactlyInAnyOrder(ClusterConfig.Role.GATEWAY,
      ClusterConfig.Role.WORKER);
    assertThat(heartbeats).as("cluster.heartbeatTimeoutSeconds of the gateway and worker configs (one cluster,"
      + " one failure detector)").hasSize(1);
  }

  @Test
  void hazelcastAndEventBusPortsAreContainerPortsAndTheHeadlessServiceSelectsEveryMember() {
    Map<String, Object> headless = headlessService();
    Map<String, Object> spec = spec(headless);
    assertThat(spec.get("publishNotReadyAddresses")).as("Service " + name(headless) + " publishNotReadyAddresses"
      + " (pods turn ready only after joining, so they must find each other before)").isEqualTo(true);
    Map<String, Object> selector = map(spec.get("selector"), "Service " + name(headless) + " selector");
    for (Map<String, Object> deployment : ofKind("Deployment")) {
      GatewayConfig config = effectiveConfig(deployment);
      String what = "Deployment " + name(deployment) + ": ";
      assertThat(config.cluster().kubernetesServiceName()).as(what + "cluster.kubernetes.serviceName vs. the"
        + " headless Service").isEqualTo(name(headless));
      String namespace = config.cluster().kubernetesNamespace();
      assertThat(namespace).as(what + "cluster.kubernetes.namespace (empty: the pod's own, where the Service is)")
        .isEmpty();
      assertThat(podLabels(deployment)).as(what + "pod labels vs. the headless Service's selector")
        .containsAllEntriesOf(selector);
      Map<Integer, String> ports = containerPorts(container(deployment));
      assertThat(ports).as(what + "the Hazelcast member port (cluster.hazelcastPort) must be a containerPort")
        .containsKey(config.cluster().hazelcastPort());
      assertThat(config.cluster().port()).as(what + "cluster.port (the event bus) must be fixed, to be declared")
        .isPositive();
      assertThat(ports).as(what + "the event-bus port (cluster.port) must be a containerPort")
        .containsKey(config.cluster().port());
      List<Integer> targets = new ArrayList<>();
      for (Map<String, Object> port : maps(spec.get("ports"), "Service ports")) {
        targets.add(resolveTargetPort(port, container(deployment)));
      }
      assertThat(targets).as("Service " + name(headless) + " target ports vs. the Hazelcast port of "
        + name(deployment)).contains(config.cluster().hazelcastPort());
    }
  }

  @Test
  void rbacBindsTheServiceAccountThePodsUseToWhatKubernetesDiscoveryReads() {
    List<Map<String, Object>> accounts = ofKind("ServiceAccount");
    assertThat(accounts).as("ServiceAccounts").hasSize(1);
    String account = name(accounts.get(0));
    assertThat(accounts.get(0).get("automountServiceAccountToken")).as("ServiceAccount automountServiceAccountToken")
      .isNotEqualTo(false);
    for (Map<String, Object> deployment : ofKind("Deployment")) {
      Map<String, Object> pod = podSpec(deployment);
      assertThat(pod.get("serviceAccountName")).as("Deployment " + name(deployment) + " serviceAccountName")
        .isEqualTo(account);
      assertThat(pod.get("automountServiceAccountToken")).as("Deployment " + name(deployment)
        + " automountServiceAccountToken: Hazelcast calls the API server with the mounted token").isNotEqualTo(false);
    }
    List<Map<String, Object>> bindings = ofKind("RoleBinding").stream()
      .filter(b -> maps(b.get("subjects"), "subjects").stream().anyMatch(s -> "ServiceAccount".equals(s.get("kind"))
        && account.equals(s.get("name")) && s.get("namespace") == null))
      .toList();
    assertThat(bindings).as("RoleBindings binding ServiceAccount " + account + " (in the binding's namespace)")
      .hasSize(1);
    Map<String, Object> roleRef = map(bindings.get(0).get("roleRef"), "roleRef");
    assertThat(roleRef.get("kind")).as("roleRef kind (namespace-scoped: a Role)").isEqualTo("Role");
    Map<String, Object> role = ofKind("Role").stream().filter(r -> name(r).equals(roleRef.get("name"))).findFirst()
      .orElseThrow(() -> new AssertionError("no Role named " + roleRef.get("name")));
    Map<String, Set<String>> granted = new TreeMap<>(); // "group/resource" -> verbs
    for (Map<String, Object> rule : maps(role.get("rules"), "Role rules")) {
      for (String group : strings(rule.get("apiGroups"))) {
        for (String resource : strings(rule.get("resources"))) {
          granted.computeIfAbsent(group + "/" + resource, r -> new TreeSet<>()).addAll(strings(rule.get("verbs")));
        }
      }
    }
    // Hazelcast 5.3, service-name mode: EndpointSlices by label (Endpoints where EndpointSlices are not served),
    // and its own Pod for the node name
    assertThat(granted.get("discovery.k8s.io/endpointslices")).as("verbs on endpointslices").contains("get", "list");
    assertThat(granted.get("/endpoints")).as("verbs on endpoints").contains("get", "list");
    assertThat(granted.get("/pods")).as("verbs on pods").contains("get");
    assertThat(granted.values().stream().flatMap(Set::stream).collect(Collectors.toSet()))
      .as("read-only: discovery writes nothing").isSubsetOf("get", "list", "watch");
    assertThat(ofKind("ClusterRole")).as("ClusterRoles (nodes are not needed)").isEmpty();
    assertThat(ofKind("ClusterRoleBinding")).as("ClusterRoleBindings").isEmpty();
  }

  @Test
  void loadBalancerServiceSelectsTheGatewaysOnlyAndTargetsEveryListenerPort() {
    List<Map<String, Object>> lbs = ofKind("Service").stream()
      .filter(s -> "LoadBalancer".equals(spec(s).get("type"))).toList();
    assertThat(lbs).as("LoadBalancer Services").hasSize(1);
    Map<String, Object> lb = lbs.get(0);
    assertThat(spec(lb).get("externalTrafficPolicy")).as("externalTrafficPolicy (keeps client addresses)")
      .isEqualTo("Local");
    Map<String, Object> selector = map(spec(lb).get("selector"), "LoadBalancer selector");
    Map<String, Object> gateway = deploymentOfRole(ClusterConfig.Role.GATEWAY);
    Map<String, Object> worker = deploymentOfRole(ClusterConfig.Role.WORKER);
    assertThat(podLabels(gateway)).as("gateway pod labels vs. the LoadBalancer selector")
      .containsAllEntriesOf(selector);
    assertThat(podLabels(worker).entrySet().containsAll(selector.entrySet()))
      .as("the LoadBalancer selector %s must not select the worker pods (they bind no listener)", selector)
      .isFalse();
    Set<Integer> targets = new TreeSet<>();
    for (Map<String, Object> port : maps(spec(lb).get("ports"), "LoadBalancer ports")) {
      targets.add(resolveTargetPort(port, container(gateway)));
    }
    Set<Integer> listenerPorts = effectiveConfig(gateway).listeners().stream().map(ListenerConfig::port)
      .collect(Collectors.toCollection(TreeSet::new));
    assertThat(targets).as("LoadBalancer target ports vs. the gateway config's listener ports")
      .isEqualTo(listenerPorts);
    assertThat(containerPorts(container(gateway)).keySet()).as("gateway containerPorts")
      .containsAll(listenerPorts);
  }

  @Test
  void probesUseTheAdminEndpointsAndShutdownFitsTheGracePeriod() {
    for (Map<String, Object> deployment : ofKind("Deployment")) {
      GatewayConfig config = effectiveConfig(deployment);
      Map<String, Object> c = container(deployment);
      String what = "Deployment " + name(deployment) + ": ";
      assertThat(config.admin().enabled()).as(what + "admin.enabled (the probes need it)").isTrue();
      Map<String, String> paths = Map.of("livenessProbe", AdminConfig.LIVE_PATH,
        "readinessProbe", AdminConfig.READY_PATH, "startupProbe", AdminConfig.LIVE_PATH);
      paths.forEach((probe, path) -> {
        Map<String, Object> httpGet = map(map(c.get(probe), what + probe).get("httpGet"), what + probe + ".httpGet");
        assertThat(httpGet.get("path")).as(what + probe + " path").isEqualTo(path);
        assertThat(resolvePort(httpGet.get("port"), c)).as(what + probe + " port vs. admin.port")
          .isEqualTo(config.admin().port());
      });
      Map<String, Object> pod = podSpec(deployment);
      assertThat(pod.get("enableServiceLinks")).as(what + "enableServiceLinks (TCPGATE_* service-link variables"
        + " would be read as config overrides)").isEqualTo(false);
      Object grace = pod.get("terminationGracePeriodSeconds");
      assertThat(grace).as(what + "terminationGracePeriodSeconds").isInstanceOf(Number.class);
      assertThat(((Number) grace).longValue() * 1000).as(what + "terminationGracePeriodSeconds vs. graceDelayMs +"
        + " drainTimeoutMs + margin")
        .isGreaterThan(config.graceDelayMs() + config.drainTimeoutMs() + SHUTDOWN_MARGIN_MS);
      List<String> commandLine = new ArrayList<>(strings(c.getOrDefault("command", List.of())));
      commandLine.addAll(strings(c.getOrDefault("args", List.of())));
      assertThat(commandLine).as(what + "command line").contains("-conf");
      assertThat(commandLine).as(what + "JVM flags: the module access Hazelcast needs is in the jar's manifest"
        + " (Add-Opens, Add-Exports), which java -jar applies; see JarManifestIT")
        .noneMatch(a -> a.matches("--add-(opens|exports|modules)(=.*)?"));
      String conf = commandLine.get(commandLine.lastIndexOf("-conf") + 1);
      assertThat(conf).as(what + "-conf vs. the ConfigMap mount").isEqualTo(mounted(deployment).path());
    }
  }

  @Test
  void readinessToleratesOneSlowAnswerAndDisruptionsTakeOnePodAtATime() {
    for (Map<String, Object> deployment : ofKind("Deployment")) {
      String what = "Deployment " + name(deployment) + ": ";
      GatewayConfig config = effectiveConfig(deployment);
      Map<String, Object> probe = map(container(deployment).get("readinessProbe"), what + "readinessProbe");
      long period = ((Number) probe.getOrDefault("periodSeconds", 10)).longValue();
      long failures = ((Number) probe.getOrDefault("failureThreshold", 3)).longValue();
      assertThat(failures).as(what + "readinessProbe failureThreshold (one slow answer must not take the pod out)")
        .isGreaterThanOrEqualTo(2);
      if (!config.listeners().isEmpty()) {
        assertThat(period * failures * 1000).as(what + "readinessProbe periodSeconds x failureThreshold vs."
          + " shutdown.graceDelayMs: the pod must look unready before its listeners close")
          .isLessThanOrEqualTo(config.graceDelayMs());
      }
      List<Map<String, Object>> pdbs = ofKind("PodDisruptionBudget").stream()
        .filter(b -> NetworkPolicies.selects(NetworkPolicies.matchLabels(spec(b).get("selector"), "PDB selector"),
          podLabels(deployment)))
        .toList();
      assertThat(pdbs).as(what + "PodDisruptionBudgets selecting its pods").hasSize(1);
      assertThat(spec(pdbs.get(0)).get("maxUnavailable")).as(what + "PodDisruptionBudget maxUnavailable")
        .isEqualTo(1);
      assertThat(spec(pdbs.get(0))).as(what + "PodDisruptionBudget minAvailable").doesNotContainKey("minAvailable");
    }
  }

  @Test
  void eachTierHasItsOwnAutoscaler_andNoReplicasBesideIt() {
    List<Map<String, Object>> autoscalers = ofKind("HorizontalPodAutoscaler");
    for (Map<String, Object> deployment : ofKind("Deployment")) {
      String what = "Deployment " + name(deployment) + ": ";
      assertThat(spec(deployment)).as(what + "replicas (the HPA owns the count; apply would reset it)")
        .doesNotContainKey("replicas");
      List<Map<String, Object>> mine = autoscalers.stream()
        .filter(h -> name(deployment).equals(map(spec(h).get("scaleTargetRef"), "scaleTargetRef").get("name")))
        .toList();
      assertThat(mine).as(what + "HorizontalPodAutoscalers scaling it").hasSize(1);
      Map<String, Object> hpa = spec(mine.get(0));
      assertThat(map(hpa.get("scaleTargetRef"), "scaleTargetRef")).containsEntry("kind", "Deployment")
        .containsEntry("apiVersion", "apps/v1");
      assertThat(((Number) hpa.get("minReplicas")).intValue()).as(what + "minReplicas (one may be disrupted)")
        .isGreaterThanOrEqualTo(2);
      assertThat(((Number) hpa.get("maxReplicas")).intValue()).isGreaterThan(((Number) hpa.get("minReplicas"))
        .intValue());
      Map<String, Object> scaleDown = map(map(hpa.get("behavior"), "behavior").get("scaleDown"), "scaleDown");
      assertThat(maps(scaleDown.get("policies"), "policies")).as(what + "scale down one pod at a time")
        .allSatisfy(p -> assertThat(p).containsEntry("type", "Pods").containsEntry("value", 1));
    }
  }

  @Test
  void networkPoliciesKeepHazelcastAndTheEventBusBetweenMembers() {
    List<Map<String, Object>> policies = ofKind("NetworkPolicy");
    List<Map<String, Object>> deployments = ofKind("Deployment");
    for (Map<String, Object> deployment : deployments) {
      String what = "Deployment " + name(deployment) + ": ";
      GatewayConfig config = effectiveConfig(deployment);
      Map<String, Integer> named = new TreeMap<>();
      containerPorts(container(deployment)).forEach((number, portName) -> named.put(portName, number));
      Map<Integer, List<NetworkPolicies.Rule>> admitted = NetworkPolicies.ingress(policies, podLabels(deployment),
        named);
      for (int port : List.of(config.cluster().hazelcastPort(), config.cluster().port())) {
        assertThat(admitted).as(what + "a NetworkPolicy must admit cluster port " + port + " (members reach each"
          + " other there)").containsKey(port);
        for (NetworkPolicies.Rule rule : admitted.get(port)) {
          assertThat(rule.fromLabelledPodsOfTheNamespaceOnly()).as(what + "NetworkPolicy " + rule.policy()
            + " admits cluster port " + port + " from " + rule.from() + ": only the members' pods may (Hazelcast"
            + " and the event bus are unauthenticated)").isTrue();
          for (Map<String, Object> selector : rule.podSelectors()) {
            for (Map<String, Object> member : deployments) {
              assertThat(NetworkPolicies.selects(selector, podLabels(member))).as(what + "NetworkPolicy "
                + rule.policy() + " peer " + selector + " must select the pods of " + name(member)).isTrue();
            }
          }
        }
      }
      int admin = config.admin().port();
      assertThat(admitted).as(what + "a NetworkPolicy must admit the admin port").containsKey(admin);
      assertThat(admitted.get(admin)).as(what + "rules admitting the admin port: pod or namespace selectors only")
        .allMatch(NetworkPolicies.Rule::fromInsideTheClusterOnly);
      Set<Integer> expected = new TreeSet<>(List.of(config.cluster().hazelcastPort(), config.cluster().port(), admin));
      config.boundListeners().forEach(l -> expected.add(l.port()));
      assertThat(admitted.keySet()).as(what + "ports the NetworkPolicies admit: cluster, admin and listener ports,"
        + " nothing else").isEqualTo(expected);
    }
  }

  // ---------------------------------------------------------------------------------------------------------------

  private record Mounted(String configMap, String key, String path, String json) {
  }

  /** The ConfigMap key the container's {@code -conf} names. */
  private static Mounted mounted(Map<String, Object> deployment) {
    Map<String, Object> c = container(deployment);
    List<String> commandLine = new ArrayList<>(strings(c.getOrDefault("command", List.of())));
    commandLine.addAll(strings(c.getOrDefault("args", List.of())));
    int at = commandLine.lastIndexOf("-conf");
    assertThat(at).as("Deployment %s passes -conf FILE", name(deployment)).isNotNegative();
    String conf = commandLine.get(at + 1);
    for (Map<String, Object> mount : maps(c.get("volumeMounts"), "volumeMounts")) {
      String dir = str(mount.get("mountPath"), "mountPath");
      if (conf.startsWith(dir.endsWith("/") ? dir : dir + "/")) {
        String key = conf.substring(dir.length()).replaceFirst("^/", "");
        Map<String, Object> volume = maps(podSpec(deployment).get("volumes"), "volumes").stream()
          .filter(v -> mount.get("name").equals(v.get("name"))).findFirst()
          .orElseThrow(() -> new AssertionError("no volume " + mount.get("name")));
        String configMap = str(map(volume.get("configMap"), "volume " + volume.get("name") + " configMap")
          .get("name"), "configMap name");
        Map<String, String> data = CONFIG_MAPS.get(configMap);
        assertThat(data).as("ConfigMap %s mounted by %s", configMap, name(deployment)).isNotNull();
        assertThat(data).as("ConfigMap %s keys", configMap).containsKey(key);
        return new Mounted(configMap, key, conf, data.get(key));
      }
    }
    throw new AssertionError("Deployment " + name(deployment) + ": -conf " + conf + " is on no volumeMount");
  }

  /** The mounted config with the container's env overrides applied, validated. */
  private static GatewayConfig effectiveConfig(Map<String, Object> deployment) {
    Mounted mounted = mounted(deployment);
    JsonObject json;
    try {
      json = new JsonObject(mounted.json());
    } catch (DecodeException e) {
      throw new AssertionError("ConfigMap " + mounted.configMap() + " key " + mounted.key() + " is not JSON: "
        + e.getMessage(), e);
    }
    try {
      GatewayConfig.fromJson(json);
    } catch (ConfigException e) {
      throw new AssertionError("ConfigMap " + mounted.configMap() + " (" + name(deployment) + ") is rejected by"
        + " GatewayConfig.fromJson: " + e.getMessage(), e);
    }
    try {
      return GatewayConfig.fromJson(ConfigOverrides.apply(json, env(container(deployment)), Map.of()));
    } catch (ConfigException e) {
      throw new AssertionError("Deployment " + name(deployment) + ": the container's env overrides make ConfigMap "
        + mounted.configMap() + " invalid: " + e.getMessage(), e);
    }
  }

  /** The container's env: literal values, and {@code fieldRef status.podIP} as {@value #POD_IP}. */
  private static Map<String, String> env(Map<String, Object> container) {
    Map<String, String> env = new LinkedHashMap<>();
    for (Map<String, Object> var : maps(container.get("env"), "env")) {
      String name = str(var.get("name"), "env name");
      if (var.containsKey("value")) {
        env.put(name, String.valueOf(var.get("value")));
      } else if (var.get("valueFrom") != null) {
        Map<String, Object> from = map(var.get("valueFrom"), "env " + name + " valueFrom");
        Map<String, Object> fieldRef = from.get("fieldRef") == null ? null : map(from.get("fieldRef"), "fieldRef");
        if (fieldRef != null && "status.podIP".equals(fieldRef.get("fieldPath"))) {
          env.put(name, POD_IP);
        } else if (name.startsWith(ConfigOverrides.ENV_PREFIX)) {
          fail("env %s: this test knows only fieldRef status.podIP as a source of a config override: %s", name, from);
        }
      }
    }
    return env;
  }

  private static Map<String, Object> deploymentOfRole(ClusterConfig.Role role) {
    return ofKind("Deployment").stream().filter(d -> effectiveConfig(d).cluster().role() == role).findFirst()
      .orElseThrow(() -> new AssertionError("no Deployment with cluster.role " + role.configName()));
  }

  private static Map<String, Object> headlessService() {
    List<Map<String, Object>> headless = ofKind("Service").stream()
      .filter(s -> "None".equals(spec(s).get("clusterIP"))).toList();
    assertThat(headless).as("headless Services (clusterIP: None)").hasSize(1);
    return headless.get(0);
  }

  private static Map<Integer, String> containerPorts(Map<String, Object> container) {
    Map<Integer, String> ports = new TreeMap<>();
    for (Map<String, Object> port : maps(container.get("ports"), "ports")) {
      if ("TCP".equals(port.getOrDefault("protocol", "TCP"))) {
        ports.put(((Number) port.get("containerPort")).intValue(), String.valueOf(port.get("name")));
      }
    }
    return ports;
  }

  private static int resolveTargetPort(Map<String, Object> servicePort, Map<String, Object> container) {
    return resolvePort(servicePort.getOrDefault("targetPort", servicePort.get("port")), container);
  }

  private static int resolvePort(Object port, Map<String, Object> container) {
    if (port instanceof Number) {
      return ((Number) port).intValue();
    }
    return containerPorts(container).entrySet().stream().filter(e -> e.getValue().equals(port)).findFirst()
      .map(Map.Entry::getKey)
      .orElseThrow(() -> new AssertionError("named port " + port + " is no containerPort of " + CONTAINER));
  }

  private static List<Map<String, Object>> ofKind(String kind) {
    return OBJECTS.stream().filter(o -> kind.equals(o.get("kind"))).toList();
  }

  private static Map<String, Object> podSpec(Map<String, Object> deployment) {
    return map(map(spec(deployment).get("template"), "template").get("spec"), "template.spec");
  }

  private static Map<String, Object> podLabels(Map<String, Object> deployment) {
    return map(map(map(spec(deployment).get("template"), "template").get("metadata"), "template.metadata")
      .get("labels"), "template labels");
  }

  private static Map<String, Object> container(Map<String, Object> deployment) {
    return maps(podSpec(deployment).get("containers"), "containers").stream()
      .filter(c -> CONTAINER.equals(c.get("name"))).findFirst()
      .orElseThrow(() -> new AssertionError("Deployment " + name(deployment) + " has no container " + CONTAINER));
  }
}
