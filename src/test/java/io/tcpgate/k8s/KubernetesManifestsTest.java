package io.tcpgate.k8s;

import io.tcpgate.config.AdminConfig;
import io.tcpgate.config.ConfigException;
import io.tcpgate.config.ConfigOverrides;
import io.tcpgate.config.GatewayConfig;
import io.tcpgate.config.ListenerConfig;
import io.tcpgate.config.LogFormat;
import io.tcpgate.workers.WorkerDeployer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
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
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Keeps the Kubernetes manifests in {@code k8s/} and the {@code Dockerfile} in agreement with the gateway's real
 * configuration and defaults: the config the Deployment mounts must pass {@link GatewayConfig#fromJson}, and its
 * listener ports, admin port, admin paths and shutdown timing must be what the Deployment, the Services, the probes,
 * the Prometheus annotations and the image declare. Reads the manifests the way {@code kubectl kustomize k8s} does
 * ({@link Kustomize}): {@code k8s/kustomization.yaml} builds on {@code k8s/base/}, where the manifests and the
 * {@code configMapGenerator} are. The variants under {@code k8s/cluster/} and {@code k8s/overlays/} have tests of
 * their own.
 */
class KubernetesManifestsTest {

  private static final Path BASE = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
  private static final Path K8S = BASE.resolve("k8s");
  private static final Path DOCKERFILE = BASE.resolve("Dockerfile");
  private static final String CONTAINER = "tcpgate";
  /**
   * Beyond grace delay + drain timeout, the pod needs time to close Vert.x and exit before the kubelet's SIGKILL;
   * Main itself waits up to drainTimeoutMs + 5 s for the drain.
   */
  private static final long SHUTDOWN_MARGIN_MS = 5_000;

  private static Kustomize.Rendered k8s;
  private static Dockerfile docker;

  @BeforeAll
  static void load() throws IOException {
    k8s = Kustomize.render(K8S);
    docker = Dockerfile.parse(DOCKERFILE);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // kustomization and the mounted config

  @Test
  void kustomizationListsEveryManifestAndEveryObjectIsNamed() throws IOException {
    assertThat(k8s.referencedFiles.keySet()).as("kustomization directories k8s/ renders (not cluster/ or"
      + " overlays/*, which are applied instead of it)").containsExactly(K8S.toAbsolutePath().normalize(),
      K8S.resolve("base").toAbsolutePath().normalize());
    for (Map.Entry<Path, Set<String>> dir : k8s.referencedFiles.entrySet()) {
      Set<String> present;
      try (Stream<Path> files = Files.list(dir.getKey())) {
        present = files.filter(Files::isRegularFile).map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".yaml") || n.endsWith(".yml") || n.endsWith(".json"))
          .filter(n -> !n.startsWith("kustomization."))
          .collect(Collectors.toCollection(TreeSet::new));
      }
      assertThat(dir.getValue()).as("manifests and configs in " + BASE.toAbsolutePath().relativize(dir.getKey())
        + " that its kustomization.yaml does not use (kubectl apply -k would silently skip them)").containsAll(present);
    }
    for (Map<String, Object> doc : k8s.objects) {
      String where = doc.get("__file") + ": ";
      assertThat(doc.get("apiVersion")).as(where + "apiVersion").isNotNull();
      assertThat(doc.get("kind")).as(where + "kind").isNotNull();
      assertThat(str(map(doc.get("metadata"), where + "metadata").get("name"), where + "metadata.name")).isNotBlank();
    }
    assertThat(k8s.ofKind("Deployment")).as("Deployments in k8s/").hasSize(1);
  }

  @Test
  void mountedConfigIsValidForGatewayConfigFromJson() {
    Mounted mounted = mountedConfig();
    JsonObject json;
    try {
      json = new JsonObject(mounted.json());
    } catch (DecodeException e) {
      throw new AssertionError("ConfigMap " + mounted.configMap() + " key " + mounted.key() + " is not valid JSON: "
        + e.getMessage(), e);
    }
    try {
      GatewayConfig.fromJson(json);
    } catch (ConfigException e) {
      throw new AssertionError("ConfigMap " + mounted.configMap() + " key " + mounted.key()
        + " (mounted at " + mounted.path() + ") is rejected by GatewayConfig.fromJson: " + e.getMessage(), e);
    }
    GatewayConfig effective = effectiveConfig();
    assertThat(effective.logFormat()).as("logging.format of the deployed config (production logs are one JSON object"
      + " per line)").isEqualTo(LogFormat.JSON);
    String logFormatEnv = env(container()).get("LOG_FORMAT");
    if (logFormatEnv != null) {
      assertThat(logFormatEnv).as("container env LOG_FORMAT (it wins over the config's logging.format)")
        .isEqualTo(effective.logFormat().configName());
    }
  }

  @Test
  void confArgumentPointsAtTheMountedConfigMapKey() {
    List<String> cmd = commandLine(container());
    String conf = lastValueOf(cmd, "-conf", "--conf");
    assertThat(conf).as("the container's command/args must pass '-conf FILE' (without it the gateway runs the"
      + " config packaged in the jar); command line: " + cmd).isNotNull();
    Mounted mounted = mountedConfig();
    assertThat(mounted.path()).as("-conf path vs. the ConfigMap mountPath + key").isEqualTo(conf);
  }

  @Test
  void containerDoesNotLetServiceLinksOrEnvOverrideTheConfig() {
    Map<String, Object> pod = podSpec();
    if (!Boolean.FALSE.equals(pod.get("enableServiceLinks"))) {
      Map<String, String> links = new TreeMap<>();
      for (Map<String, Object> svc : k8s.ofKind("Service")) {
        links.putAll(serviceLinkEnv(svc));
      }
      String effect;
      try {
        GatewayConfig.fromJson(ConfigOverrides.apply(new JsonObject(mountedConfig().json()), links, Map.of()));
        effect = "no Service here collides today, but any Service named tcpgate* in the namespace would";
      } catch (ConfigException e) {
        effect = "with this namespace's Services the gateway would exit 2: " + e.getMessage();
      }
      fail("the pod spec must set enableServiceLinks: false: Kubernetes injects <SERVICE>_SERVICE_HOST/_PORT variables"
        + " and the gateway reads every " + ConfigOverrides.ENV_PREFIX + "* variable as a config override; " + effect);
    }
    try {
      effectiveConfig();
    } catch (ConfigException e) {
      fail("the container's " + ConfigOverrides.ENV_PREFIX + "* env / -D" + ConfigOverrides.PROPERTY_PREFIX
        + "* overrides make the mounted config invalid: " + e.getMessage());
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // ports

  @Test
  void everyListenerPortIsAContainerPortAndALoadBalancerServicePort() {
    GatewayConfig config = effectiveConfig();
    Map<Integer, String> containerPorts = containerPorts(container());
    Map<String, Object> lb = loadBalancerService();
    Map<Integer, String> servicePorts = new TreeMap<>(); // resolved target port -> service port description
    for (Map<String, Object> p : maps(spec(lb).get("ports"), "Service " + name(lb) + " spec.ports")) {
      servicePorts.put(resolveTargetPort(p), name(lb) + " port " + p.get("port") + " -> targetPort "
        + p.getOrDefault("targetPort", p.get("port")));
    }
    for (ListenerConfig listener : config.listeners()) {
      String what = "listener '" + listener.name() + "' port " + listener.port() + " (from the mounted config)";
      assertThat(containerPorts).as(what + " must be a TCP containerPort of container '" + CONTAINER
        + "'; containerPorts are " + containerPorts).containsKey(listener.port());
      assertThat(servicePorts).as(what + " must be the targetPort of a port of LoadBalancer Service " + name(lb)
        + "; its ports resolve to " + servicePorts).containsKey(listener.port());
      assertThat(wildcard(listener.host())).as(what + ": host " + listener.host() + " must be a wildcard address,"
        + " else traffic arriving on the pod IP is refused").isTrue();
      assertThat(listener.port()).as(what + " must be >= 1024: the container runs as non-root without"
        + " NET_BIND_SERVICE").isGreaterThanOrEqualTo(1024);
    }
    Set<Integer> listenerPorts = config.listeners().stream().map(ListenerConfig::port).collect(Collectors.toSet());
    assertThat(listenerPorts).as("LoadBalancer Service " + name(lb) + " targets ports no listener of the mounted"
      + " config binds").containsAll(servicePorts.keySet());
  }

  @Test
  void adminPortIsContainerPortProbePortAndScrapePort() {
    GatewayConfig config = effectiveConfig();
    AdminConfig admin = config.admin();
    assertThat(admin.enabled()).as("admin.enabled of the mounted config: the probes and Prometheus need the admin"
      + " server").isTrue();
    assertThat(wildcard(admin.host())).as("admin.host " + admin.host() + " must be a wildcard address, else the"
      + " kubelet's probes cannot reach it").isTrue();
    int port = admin.port();
    Map<String, Object> c = container();
    assertThat(containerPorts(c)).as("admin port " + port + " (admin.port of the mounted config, else"
      + " AdminConfig.DEFAULT_PORT) must be a containerPort").containsKey(port);
    for (String probe : List.of("livenessProbe", "readinessProbe", "startupProbe")) {
      Map<String, Object> httpGet = httpGet(c, probe);
      if (httpGet != null) {
        assertThat(resolvePort(c, httpGet.get("port"))).as(probe + ".httpGet.port (" + httpGet.get("port")
          + ") vs. the admin port").isEqualTo(port);
      }
    }
    Map<String, Object> annotations = podAnnotations();
    assertThat(annotations.get("prometheus.io/scrape")).as("pod template annotation prometheus.io/scrape")
      .isEqualTo("true");
    assertThat(annotations.get("prometheus.io/port")).as("pod template annotation prometheus.io/port vs. the admin"
      + " port").isEqualTo(String.valueOf(port));
    for (Map<String, Object> svc : k8s.ofKind("Service")) {
      if (!"LoadBalancer".equals(spec(svc).get("type"))) {
        for (Map<String, Object> p : maps(spec(svc).get("ports"), "Service " + name(svc) + " spec.ports")) {
          assertThat(resolveTargetPort(p)).as("Service " + name(svc) + " port " + p.get("name") + " must target the"
            + " admin port").isEqualTo(port);
        }
      }
    }
  }

  @Test
  void probeAndScrapePathsAreTheAdminServerPaths() {
    Map<String, Object> c = container();
    Map<String, Object> liveness = httpGet(c, "livenessProbe");
    Map<String, Object> readiness = httpGet(c, "readinessProbe");
    assertThat(liveness).as("container '" + CONTAINER + "' needs an httpGet livenessProbe").isNotNull();
    assertThat(readiness).as("container '" + CONTAINER + "' needs an httpGet readinessProbe").isNotNull();
    assertThat(liveness.get("path")).as("livenessProbe.httpGet.path vs. AdminConfig.LIVE_PATH")
      .isEqualTo(AdminConfig.LIVE_PATH);
    assertThat(readiness.get("path")).as("readinessProbe.httpGet.path vs. AdminConfig.READY_PATH")
      .isEqualTo(AdminConfig.READY_PATH);
    Map<String, Object> startup = httpGet(c, "startupProbe");
    if (startup != null) {
      assertThat(startup.get("path")).as("startupProbe.httpGet.path must be an admin health path")
        .isIn(AdminConfig.LIVE_PATH, AdminConfig.READY_PATH);
    }
    assertThat(podAnnotations().get("prometheus.io/path")).as("pod template annotation prometheus.io/path vs."
      + " AdminConfig.METRICS_PATH").isEqualTo(AdminConfig.METRICS_PATH);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // shutdown timing

  @Test
  void terminationGracePeriodCoversGraceDelayPlusDrain() {
    GatewayConfig config = effectiveConfig();
    Object tgps = podSpec().get("terminationGracePeriodSeconds");
    assertThat(tgps).as("the pod spec must set terminationGracePeriodSeconds explicitly").isInstanceOf(Number.class);
    long needed = config.graceDelayMs() + config.drainTimeoutMs() + SHUTDOWN_MARGIN_MS;
    assertThat(((Number) tgps).longValue() * 1000).as("terminationGracePeriodSeconds (" + tgps + " s) must exceed"
      + " shutdown.graceDelayMs " + config.graceDelayMs() + " + shutdown.drainTimeoutMs " + config.drainTimeoutMs()
      + " + " + SHUTDOWN_MARGIN_MS + " ms margin of the mounted config, else SIGKILL cuts the drain short")
      .isGreaterThan(needed);
  }

  @Test
  void readinessProbeNoticesDrainingWithinTheGraceDelay() {
    GatewayConfig config = effectiveConfig();
    Map<String, Object> probe = map(container().get("readinessProbe"), "readinessProbe");
    long period = ((Number) probe.getOrDefault("periodSeconds", 10)).longValue();
    long failures = ((Number) probe.getOrDefault("failureThreshold", 3)).longValue();
    assertThat(config.graceDelayMs()).as("shutdown.graceDelayMs of the mounted config: listeners must keep accepting"
      + " while the load balancer takes the pod out").isPositive();
    assertThat(period * failures * 1000).as("readinessProbe periodSeconds " + period + " x failureThreshold "
      + failures + " must not exceed shutdown.graceDelayMs " + config.graceDelayMs() + " of the mounted config, or"
      + " the pod still looks ready when its listeners close").isLessThanOrEqualTo(config.graceDelayMs());
    assertThat(failures).as("readinessProbe failureThreshold: one slow answer (a GC pause, a busy node) must not take"
      + " the pod out of the Service").isGreaterThanOrEqualTo(2);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // security, resources, JVM

  @Test
  void containerRunsNonRootWithReadOnlyRootAndNoCapabilities() {
    Map<String, Object> pod = map(podSpec().getOrDefault("securityContext", Map.of()), "pod securityContext");
    Map<String, Object> c = map(container().getOrDefault("securityContext", Map.of()), "container securityContext");
    Object runAsNonRoot = c.getOrDefault("runAsNonRoot", pod.get("runAsNonRoot"));
    Object runAsUser = c.getOrDefault("runAsUser", pod.get("runAsUser"));
    assertThat(runAsNonRoot).as("securityContext.runAsNonRoot (container, else pod)").isEqualTo(true);
    assertThat(runAsUser).as("securityContext.runAsUser (container, else pod)").isEqualTo(10001);
    assertThat(c.get("readOnlyRootFilesystem")).as("container securityContext.readOnlyRootFilesystem").isEqualTo(true);
    assertThat(c.get("allowPrivilegeEscalation")).as("container securityContext.allowPrivilegeEscalation")
      .isEqualTo(false);
    assertThat(c.get("privileged")).as("container securityContext.privileged").isNotEqualTo(true);
    Map<String, Object> caps = map(c.getOrDefault("capabilities", Map.of()), "capabilities");
    assertThat(strings(caps.getOrDefault("drop", List.of()))).as("container securityContext.capabilities.drop")
      .contains("ALL");
    assertThat(strings(caps.getOrDefault("add", List.of()))).as("container securityContext.capabilities.add")
      .isEmpty();
    assertThat(docker.user()).as("Dockerfile USER vs. the pod's runAsUser").isEqualTo(String.valueOf(runAsUser));
  }

  @Test
  void readOnlyRootFilesystemLeavesTheTempDirWritable() {
    Map<String, Object> c = container();
    List<String> cmd = commandLine(c);
    String tmpdir = cmd.stream().filter(a -> a.startsWith("-Djava.io.tmpdir=")).map(a -> a.substring(17))
      .reduce((a, b) -> b).orElse("/tmp");
    Map<String, Object> mount = volumeMounts(c).stream().filter(m -> tmpdir.equals(m.get("mountPath")))
      .findFirst().orElse(null);
    assertThat(mount).as("with readOnlyRootFilesystem, java.io.tmpdir " + tmpdir + " needs a writable volumeMount"
      + " (the JVM and the Vert.x file cache write there)").isNotNull();
    assertThat(mount.get("readOnly")).as("volumeMount of " + tmpdir).isNotEqualTo(true);
    Map<String, Object> volume = volume(str(mount.get("name"), "volumeMount name"));
    assertThat(volume).as("volume " + mount.get("name") + " mounted at " + tmpdir + " should be an emptyDir")
      .containsKey("emptyDir");
  }

  @Test
  void resourcesAndContainerAwareJvmFlagsAreSet() {
    Map<String, Object> c = container();
    Map<String, Object> resources = map(c.get("resources"), "container resources");
    Map<String, Object> requests = map(resources.get("requests"), "resources.requests");
    Map<String, Object> limits = map(resources.get("limits"), "resources.limits");
    assertThat(requests).as("resources.requests (the HPA's CPU utilization is relative to requests.cpu)")
      .containsKeys("cpu", "memory");
    assertThat(limits).as("resources.limits").containsKey("memory");
    List<String> jvmArgs = new ArrayList<>(commandLine(c));
    Map<String, String> env = env(c);
    for (String var : List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS")) {
      if (env.containsKey(var)) {
        jvmArgs.addAll(List.of(env.get(var).trim().split("\\s+")));
        if (effectiveConfig().logFormat() == LogFormat.JSON || "json".equals(env.get("LOG_FORMAT"))) {
          fail("env " + var + " makes the JVM print a plain-text 'Picked up " + var + "' line, breaking the JSON"
            + " logs; put the JVM flags on the command line");
        }
      }
    }
    assertThat(jvmArgs).as("JVM flags of container '" + CONTAINER + "' must size the heap from the container limit"
      + " with -XX:MaxRAMPercentage").anyMatch(a -> a.startsWith("-XX:MaxRAMPercentage="));
    assertThat(jvmArgs).as("JVM flags: a fixed -Xmx ignores the container memory limit")
      .noneMatch(a -> a.startsWith("-Xmx"));
    assertThat(jvmArgs).as("JVM flags of the Deployment: module access belongs in the jar's manifest (Add-Opens,"
      + " Add-Exports), which java -jar applies; see JarManifestIT").noneMatch(KubernetesManifestsTest::moduleFlag);
    assertThat(docker.commandLine()).as("Dockerfile ENTRYPOINT/CMD: module access belongs in the jar's manifest")
      .noneMatch(KubernetesManifestsTest::moduleFlag);
  }

  /** {@code --add-opens}, {@code --add-exports}, {@code --add-modules} in either spelling. */
  static boolean moduleFlag(String arg) {
    return arg.matches("--add-(opens|exports|modules)(=.*)?");
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Services, PDB, HPA

  @Test
  void servicesSelectTheDeploymentPodsAndKeepClientAddresses() {
    Map<String, Object> labels = podLabels();
    for (Map<String, Object> svc : k8s.ofKind("Service")) {
      Map<String, Object> selector = map(spec(svc).get("selector"), "Service " + name(svc) + " spec.selector");
      assertThat(labels).as("pod template labels vs. Service " + name(svc) + " selector " + selector)
        .containsAllEntriesOf(selector);
    }
    Map<String, Object> lb = loadBalancerService();
    assertThat(spec(lb).get("externalTrafficPolicy")).as("Service " + name(lb) + " externalTrafficPolicy (Local keeps"
      + " the clients' source addresses)").isEqualTo("Local");
  }

  @Test
  void disruptionBudgetAndAutoscalerFitTheDeployment() {
    Map<String, Object> deployment = deployment();
    List<Map<String, Object>> pdbs = k8s.ofKind("PodDisruptionBudget");
    assertThat(pdbs).as("PodDisruptionBudgets").hasSize(1);
    Map<String, Object> pdb = pdbs.get(0);
    Map<String, Object> pdbSelector = map(map(spec(pdb).get("selector"), "PDB selector").get("matchLabels"),
      "PDB selector.matchLabels");
    assertThat(podLabels()).as("pod template labels vs. PodDisruptionBudget " + name(pdb) + " selector")
      .containsAllEntriesOf(pdbSelector);
    assertThat(spec(pdb).get("maxUnavailable")).as("PodDisruptionBudget maxUnavailable: drains evict one gateway at"
      + " a time, whatever the replica count").isEqualTo(1);
    assertThat(spec(pdb)).as("PodDisruptionBudget: minAvailable would let a drain evict all pods but that many")
      .doesNotContainKey("minAvailable");

    List<Map<String, Object>> hpas = k8s.ofKind("HorizontalPodAutoscaler");
    assertThat(hpas).as("HorizontalPodAutoscalers").hasSize(1);
    Map<String, Object> hpa = hpas.get(0);
    assertThat(hpa.get("apiVersion")).as("HorizontalPodAutoscaler apiVersion").isEqualTo("autoscaling/v2");
    Map<String, Object> target = map(spec(hpa).get("scaleTargetRef"), "HPA scaleTargetRef");
    assertThat(target.get("kind") + "/" + target.get("name")).as("HPA scaleTargetRef")
      .isEqualTo("Deployment/" + name(deployment));
    int min = ((Number) spec(hpa).getOrDefault("minReplicas", 1)).intValue();
    int max = ((Number) spec(hpa).get("maxReplicas")).intValue();
    assertThat(spec(deployment)).as("Deployment " + name(deployment) + " spec: the HPA owns the replica count; a"
      + " replicas field would reset it on every kubectl apply").doesNotContainKey("replicas");
    assertThat(min).as("HPA minReplicas: with maxUnavailable 1, a drain must leave a gateway serving")
      .isGreaterThanOrEqualTo(2).isLessThanOrEqualTo(max);
    assertThat(maps(spec(hpa).get("metrics"), "HPA metrics")).as("HPA metrics must include CPU")
      .anyMatch(m -> "Resource".equals(m.get("type"))
        && "cpu".equals(map(m.get("resource"), "HPA metric resource").get("name")));
  }

  @Test
  void theLoadBalancerOffersTheEchoOnlyNoUnauthenticatedStore() {
    GatewayConfig config = effectiveConfig();
    assertThat(config.deployedWorkers()).as("workers of the mounted config: the demo kv store has no authentication"
      + " and must not sit behind the public LoadBalancer")
      .noneMatch(w -> w.verticle().equals(WorkerDeployer.KEY_VALUE));
    Set<String> echoAddresses = config.deployedWorkers().stream()
      .filter(w -> w.verticle().equals(WorkerDeployer.ECHO))
      .map(w -> w.config().getString("address")).collect(Collectors.toSet());
    Set<Integer> exposed = new TreeSet<>();
    Map<String, Object> lb = loadBalancerService();
    for (Map<String, Object> p : maps(spec(lb).get("ports"), "Service " + name(lb) + " spec.ports")) {
      exposed.add(resolveTargetPort(p));
    }
    for (ListenerConfig listener : config.listeners()) {
      if (exposed.contains(listener.port())) {
        assertThat(echoAddresses).as("listener '" + listener.name() + "' (port " + listener.port() + ", behind"
          + " LoadBalancer Service " + name(lb) + ") must go to a built-in echo worker's address")
          .contains(listener.address());
      }
    }
  }

  @Test
  void networkPolicyAdmitsTheListenersAndKeepsTheAdminPortInside() {
    GatewayConfig config = effectiveConfig();
    Map<String, Integer> named = new TreeMap<>();
    containerPorts(container()).forEach((number, portName) -> named.put(portName, number));
    Map<Integer, List<NetworkPolicies.Rule>> admitted = NetworkPolicies.ingress(k8s.ofKind("NetworkPolicy"),
      podLabels(), named);
    for (ListenerConfig listener : config.listeners()) {
      assertThat(admitted).as("a NetworkPolicy must admit listener '" + listener.name() + "' port "
        + listener.port() + "; admitted ports: " + admitted.keySet()).containsKey(listener.port());
    }
    int adminPort = config.admin().port();
    assertThat(admitted).as("a NetworkPolicy must admit the admin port " + adminPort + " (Prometheus)")
      .containsKey(adminPort);
    assertThat(admitted.get(adminPort)).as("rules admitting the admin port (metrics, /info) must name pod or"
      + " namespace selectors, never any source or an ipBlock")
      .allMatch(NetworkPolicies.Rule::fromInsideTheClusterOnly);
    Set<Integer> expected = config.listeners().stream().map(ListenerConfig::port)
      .collect(Collectors.toCollection(TreeSet::new));
    expected.add(adminPort);
    assertThat(admitted.keySet()).as("ports the NetworkPolicies admit: the listeners and the admin port, nothing"
      + " else").isEqualTo(expected);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Dockerfile

  @Test
  void dockerfileAgreesWithTheDeploymentAndTheConfig() {
    GatewayConfig config = effectiveConfig();
    assertThat(docker.from()).as("Dockerfile FROM").startsWith("eclipse-temurin:17-jre");
    Set<Integer> expected = new TreeSet<>();
    config.listeners().forEach(l -> expected.add(l.port()));
    expected.add(config.admin().port());
    assertThat(docker.exposed()).as("Dockerfile EXPOSE vs. the listener ports + admin port of the mounted config")
      .isEqualTo(expected);

    List<String> entry = docker.commandLine();
    assertThat(entry).as("Dockerfile ENTRYPOINT/CMD").isNotEmpty();
    String dockerConf = lastValueOf(entry, "-conf", "--conf");
    String deployConf = lastValueOf(commandLine(container()), "-conf", "--conf");
    assertThat(dockerConf).as("Dockerfile ENTRYPOINT/CMD -conf path vs. the Deployment's -conf path")
      .isEqualTo(deployConf);
    String jar = docker.copyDestination("target/tcpgate.jar");
    assertThat(jar).as("Dockerfile must COPY target/tcpgate.jar").isNotNull();
    assertThat(lastValueOf(entry, "-jar")).as("Dockerfile ENTRYPOINT -jar vs. where it COPYs target/tcpgate.jar")
      .isEqualTo(jar);
    List<String> deployCmd = strings(container().getOrDefault("command", List.of()));
    if (!deployCmd.isEmpty()) {
      assertThat(lastValueOf(commandLine(container()), "-jar")).as("Deployment command -jar vs. the image's jar path")
        .isEqualTo(jar);
    }
    String baked = docker.copySourceTo(dockerConf);
    if (baked != null) {
      GatewayConfig image;
      try {
        image = GatewayConfig.fromJson(new JsonObject(Files.readString(BASE.resolve(baked))));
      } catch (IOException | RuntimeException e) {
        throw new AssertionError("the config the Dockerfile copies to " + dockerConf + " (" + baked + ") is not"
          + " valid: " + e.getMessage(), e);
      }
      Set<Integer> imagePorts = new TreeSet<>();
      image.listeners().forEach(l -> imagePorts.add(l.port()));
      imagePorts.add(image.admin().port());
      assertThat(docker.exposed()).as("Dockerfile EXPOSE vs. the ports of " + baked + ", which it copies to "
        + dockerConf).isEqualTo(imagePorts);
    }
  }

  @Test
  void checkScriptIsAnExecutableStrictBashScript() throws IOException {
    Path script = K8S.resolve("check.sh");
    assertThat(script).as("k8s/check.sh").exists();
    assertThat(Files.isExecutable(script)).as("k8s/check.sh is executable").isTrue();
    String text = Files.readString(script);
    assertThat(text).as("k8s/check.sh").startsWith("#!/usr/bin/env bash").contains("set -euo pipefail");
  }

  // ---------------------------------------------------------------------------------------------------------------
  // resolution helpers

  /** The config the Deployment mounts, with the container's env and -D overrides applied as the gateway does. */
  private static GatewayConfig effectiveConfig() {
    Map<String, Object> c = container();
    Map<String, String> props = new TreeMap<>();
    for (String a : commandLine(c)) {
      if (a.startsWith("-D" + ConfigOverrides.PROPERTY_PREFIX) && a.contains("=")) {
        props.put(a.substring(2, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
      }
    }
    return GatewayConfig.fromJson(ConfigOverrides.apply(new JsonObject(mountedConfig().json()), env(c), props));
  }

  private record Mounted(String path, String configMap, String key, String json) {
  }

  /** Follows -conf to the volumeMount, the ConfigMap volume, the key and the ConfigMap's content. */
  private static Mounted mountedConfig() {
    Map<String, Object> c = container();
    String conf = lastValueOf(commandLine(c), "-conf", "--conf");
    assertThat(conf).as("the container must pass -conf FILE; command line " + commandLine(c)).isNotNull();
    List<String> configMapVolumes = new ArrayList<>();
    for (Map<String, Object> mount : volumeMounts(c)) {
      String mountPath = str(mount.get("mountPath"), "volumeMount mountPath");
      Map<String, Object> volume = volume(str(mount.get("name"), "volumeMount name"));
      if (!volume.containsKey("configMap")) {
        continue;
      }
      Map<String, Object> cm = map(volume.get("configMap"), "volume configMap");
      String cmName = str(cm.get("name"), "volume configMap.name");
      configMapVolumes.add(cmName + " at " + mountPath);
      String file;
      if (mount.get("subPath") != null) {
        if (!conf.equals(mountPath)) {
          continue;
        }
        file = str(mount.get("subPath"), "subPath");
      } else {
        String dir = mountPath.endsWith("/") ? mountPath : mountPath + "/";
        if (!conf.startsWith(dir)) {
          continue;
        }
        file = conf.substring(dir.length());
      }
      String key = file;
      if (cm.get("items") != null) {
        key = null;
        for (Map<String, Object> item : maps(cm.get("items"), "configMap items")) {
          if (file.equals(item.get("path"))) {
            key = str(item.get("key"), "configMap item key");
          }
        }
        assertThat(key).as("-conf " + conf + ": no item of ConfigMap volume " + cmName + " has path " + file)
          .isNotNull();
      }
      Map<String, String> data = k8s.configMaps.get(cmName);
      assertThat(data).as("-conf " + conf + " is in a volume of ConfigMap " + cmName + ", which neither a"
        + " configMapGenerator nor a ConfigMap manifest defines; known: " + k8s.configMaps.keySet()).isNotNull();
      assertThat(data.keySet()).as("-conf " + conf + ": ConfigMap " + cmName + " mounted at " + mountPath
        + " has no key '" + key + "'").contains(key);
      return new Mounted(conf, cmName, key, data.get(key));
    }
    throw new AssertionError("-conf " + conf + " is not inside any ConfigMap volumeMount of container '" + CONTAINER
      + "'; ConfigMap mounts: " + configMapVolumes);
  }

  private static Map<String, Object> deployment() {
    return k8s.ofKind("Deployment").get(0);
  }

  private static Map<String, Object> podTemplate() {
    return map(spec(deployment()).get("template"), "Deployment spec.template");
  }

  private static Map<String, Object> podSpec() {
    return map(podTemplate().get("spec"), "Deployment spec.template.spec");
  }

  private static Map<String, Object> podLabels() {
    return map(map(podTemplate().get("metadata"), "pod template metadata").get("labels"), "pod template labels");
  }

  private static Map<String, Object> podAnnotations() {
    Object a = map(podTemplate().get("metadata"), "pod template metadata").get("annotations");
    return a == null ? Map.of() : map(a, "pod template annotations");
  }

  private static Map<String, Object> container() {
    for (Map<String, Object> c : maps(podSpec().get("containers"), "containers")) {
      if (CONTAINER.equals(c.get("name"))) {
        return c;
      }
    }
    throw new AssertionError("the Deployment has no container named '" + CONTAINER + "'");
  }

  private static List<String> commandLine(Map<String, Object> c) {
    List<String> all = new ArrayList<>(strings(c.getOrDefault("command", List.of())));
    all.addAll(strings(c.getOrDefault("args", List.of())));
    return all;
  }

  private static String lastValueOf(List<String> args, String... flags) {
    String value = null;
    for (int i = 0; i < args.size() - 1; i++) {
      if (List.of(flags).contains(args.get(i))) {
        value = args.get(i + 1);
      }
    }
    return value;
  }

  private static Map<String, String> env(Map<String, Object> c) {
    Map<String, String> env = new LinkedHashMap<>();
    for (Map<String, Object> e : maps(c.getOrDefault("env", List.of()), "container env")) {
      if (e.get("value") != null) {
        env.put(str(e.get("name"), "env name"), String.valueOf(e.get("value")));
      }
    }
    return env;
  }

  private static List<Map<String, Object>> volumeMounts(Map<String, Object> c) {
    return maps(c.getOrDefault("volumeMounts", List.of()), "volumeMounts");
  }

  private static Map<String, Object> volume(String name) {
    for (Map<String, Object> v : maps(podSpec().getOrDefault("volumes", List.of()), "volumes")) {
      if (name.equals(v.get("name"))) {
        return v;
      }
    }
    throw new AssertionError("volumeMount names volume '" + name + "', which the pod spec does not define");
  }

  /** containerPort -> name, TCP ports only. */
  private static Map<Integer, String> containerPorts(Map<String, Object> c) {
    Map<Integer, String> ports = new TreeMap<>();
    for (Map<String, Object> p : maps(c.getOrDefault("ports", List.of()), "container ports")) {
      if ("TCP".equals(p.getOrDefault("protocol", "TCP"))) {
        ports.put(((Number) p.get("containerPort")).intValue(), String.valueOf(p.get("name")));
      }
    }
    return ports;
  }

  /** A probe or target port: a number, or the name of a containerPort. */
  private static int resolvePort(Map<String, Object> c, Object port) {
    if (port instanceof Number n) {
      return n.intValue();
    }
    for (Map.Entry<Integer, String> e : containerPorts(c).entrySet()) {
      if (e.getValue().equals(port)) {
        return e.getKey();
      }
    }
    throw new AssertionError("port '" + port + "' names no containerPort of container '" + CONTAINER + "'");
  }

  private static int resolveTargetPort(Map<String, Object> servicePort) {
    return resolvePort(container(), servicePort.getOrDefault("targetPort", servicePort.get("port")));
  }

  private static Map<String, Object> httpGet(Map<String, Object> c, String probe) {
    Object p = c.get(probe);
    if (p == null) {
      return null;
    }
    Object get = map(p, probe).get("httpGet");
    return get == null ? null : map(get, probe + ".httpGet");
  }

  private static Map<String, Object> loadBalancerService() {
    List<Map<String, Object>> lbs = k8s.ofKind("Service").stream()
      .filter(s -> "LoadBalancer".equals(spec(s).get("type"))).toList();
    assertThat(lbs).as("Services of type LoadBalancer (the TCP listeners)").hasSize(1);
    return lbs.get(0);
  }

  /** The variables Kubernetes injects for a Service when service links are enabled. */
  private static Map<String, String> serviceLinkEnv(Map<String, Object> svc) {
    String prefix = name(svc).toUpperCase(Locale.ROOT).replace('-', '_');
    Map<String, String> env = new LinkedHashMap<>();
    env.put(prefix + "_SERVICE_HOST", "10.0.0.10");
    List<Map<String, Object>> ports = maps(spec(svc).get("ports"), "Service ports");
    if (!ports.isEmpty()) {
      Object port = ports.get(0).get("port");
      env.put(prefix + "_SERVICE_PORT", String.valueOf(port));
      env.put(prefix + "_PORT", "tcp://10.0.0.10:" + port);
    }
    return env;
  }

  private static boolean wildcard(String host) {
    try {
      return InetAddress.getByName(host.replace("[", "").replace("]", "")).isAnyLocalAddress();
    } catch (IOException e) {
      return false;
    }
  }
}
