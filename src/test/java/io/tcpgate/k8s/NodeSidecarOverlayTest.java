package io.tcpgate.k8s;

import io.tcpgate.bus.BodyType;
import io.tcpgate.bus.GatewayHeaders;
import io.tcpgate.config.BridgeConfig;
import io.tcpgate.config.ConfigException;
import io.tcpgate.config.ConfigOverrides;
import io.tcpgate.config.GatewayConfig;
import io.tcpgate.config.ListenerConfig;
import io.tcpgate.dispatch.DispatchMode;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
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
 * Keeps {@code k8s/overlays/node-sidecar} (the Node.js worker as a sidecar of the gateway's pod) in agreement with the
 * gateway's real configuration and with examples/node-worker: the overlay's config passes
 * {@link GatewayConfig#fromJson} with the bridge on loopback, the sidecar's environment points at the bridge's port
 * and at a listener's address the bridge lets it register for, the listener ports are exactly what the gateway
 * container and the Service declare, and the sidecar and its image run non-root and restricted. Renders the overlay on
 * its base as kustomize does ({@link Kustomize}).
 */
class NodeSidecarOverlayTest {

  private static final Path BASE = Path.of(System.getProperty("basedir", System.getProperty("user.dir")))
    .toAbsolutePath().normalize();
  private static final Path OVERLAY = BASE.resolve("k8s/overlays/node-sidecar");
  private static final Path WORKER_DOCKERFILE = BASE.resolve("examples/node-worker/Dockerfile");
  private static final String GATEWAY = "tcpgate";
  private static final String SIDECAR = "node-worker";
  private static final String SIDECAR_IMAGE = "tcpgate-node-worker";
  /** Official Node.js images of an LTS line (even major) on a small base. */
  private static final Pattern NODE_LTS_IMAGE = Pattern.compile("node:(\\d+)(\\.[0-9.]+)?-(alpine|slim)[0-9.]*");

  private static Kustomize.Rendered overlay;
  private static Kustomize.Rendered base;
  private static Map<String, Object> kustomization;

  @BeforeAll
  static void load() throws IOException {
    overlay = Kustomize.render(OVERLAY);
    base = Kustomize.render(BASE.resolve("k8s/base"));
    kustomization = map(yaml().load(Files.readString(OVERLAY.resolve("kustomization.yaml"))), "kustomization");
  }

  // ---------------------------------------------------------------------------------------------------------------
  // the overlay itself

  @Test
  void overlayBuildsOnTheBaseAndUsesEveryFileItHolds() throws IOException {
    assertThat(strings(kustomization.get("resources"))).as("resources of the overlay: the standalone layout")
      .containsExactly("../../base");
    Set<String> present;
    try (Stream<Path> files = Files.list(OVERLAY)) {
      present = files.filter(Files::isRegularFile).map(p -> p.getFileName().toString())
        .filter(n -> !n.startsWith("kustomization.")).collect(Collectors.toCollection(TreeSet::new));
    }
    assertThat(overlay.referencedFiles.get(OVERLAY)).as("files of k8s/overlays/node-sidecar its kustomization uses"
      + " (a patch or config it does not list would silently not apply)").containsExactlyInAnyOrderElementsOf(present);
    assertThat(kinds(overlay)).as("objects of the overlay vs. of the base: it changes them, it adds or drops none")
      .isEqualTo(kinds(base));
    List<Map<String, Object>> generators = maps(kustomization.get("configMapGenerator"), "configMapGenerator");
    assertThat(generators).as("configMapGenerator of the overlay").hasSize(1);
    assertThat(generators.get(0).get("behavior")).as("configMapGenerator behavior: the base's ConfigMap, with this"
      + " overlay's config.json").isEqualTo("replace");
    assertThat(mountedConfigJson()).as("the config the gateway reads in the overlay")
      .isEqualTo(Files.readString(OVERLAY.resolve("config.json")));
  }

  @Test
  void configPassesStrictValidationAndKeepsTheBaseShutdownAdminAndLogging() {
    GatewayConfig config = config(overlay);
    GatewayConfig standalone = config(base);
    assertThat(config.graceDelayMs()).as("shutdown.graceDelayMs vs. the base's").isEqualTo(standalone.graceDelayMs());
    assertThat(config.drainTimeoutMs()).as("shutdown.drainTimeoutMs vs. the base's")
      .isEqualTo(standalone.drainTimeoutMs());
    assertThat(config.admin()).as("admin (probes and scraping are the base's)").isEqualTo(standalone.admin());
    assertThat(config.logFormat()).as("logging.format vs. the base's").isEqualTo(standalone.logFormat());
  }

  // ---------------------------------------------------------------------------------------------------------------
  // the sidecar and the bridge

  @Test
  void bridgeListensOnLoopbackWhereTheSidecarConnects() throws IOException {
    BridgeConfig bridge = config(overlay).bridge();
    assertThat(bridge.enabled()).as("bridge.enabled of the overlay's config").isTrue();
    assertThat(InetAddress.getByName(bridge.host()).isLoopbackAddress()).as("bridge.host " + bridge.host()
      + " must be loopback: only the containers of the pod may register for the listener's frames").isTrue();
    assertThat(bridge.port()).as("bridge.port must be fixed: the sidecar is told it").isPositive();
    Map<String, String> env = env(container(SIDECAR));
    assertThat(env.get("TCPGATE_BRIDGE_HOST")).as("sidecar env TCPGATE_BRIDGE_HOST vs. bridge.host")
      .isEqualTo(bridge.host());
    assertThat(env.get("TCPGATE_BRIDGE_PORT")).as("sidecar env TCPGATE_BRIDGE_PORT vs. bridge.port")
      .isEqualTo(String.valueOf(bridge.port()));
    for (Map<String, Object> c : containers()) {
      assertThat(containerPorts(c)).as("container " + c.get("name") + ": the bridge port is for the pod's own"
        + " containers, no containerPort").doesNotContainKey(bridge.port());
    }
    assertThat(serviceTargetPorts()).as("Service targets: the bridge port stays inside the pod")
      .doesNotContain(bridge.port());
  }

  @Test
  void sidecarServesAListenerWhoseAddressTheBridgeLetsItRegister() {
    GatewayConfig config = config(overlay);
    String address = env(container(SIDECAR)).get("WORKER_ADDRESS");
    assertThat(address).as("sidecar env WORKER_ADDRESS").isNotBlank();
    List<ListenerConfig> served = config.listeners().stream().filter(l -> l.address().equals(address)).toList();
    assertThat(served).as("listeners whose address is the sidecar's WORKER_ADDRESS " + address).isNotEmpty();
    assertThat(config.bridge().outboundAllowed(address)).as("bridge.outboundPermitted " + config.bridge()
      .outboundPermitted() + " must let the sidecar register " + address).isTrue();
    assertThat(config.bridge().inboundAllowed(GatewayHeaders.pushAddress("n1-42"))).as("bridge.inboundPermitted "
      + config.bridge().inboundPermitted() + " must let the sidecar push (worker.js answers 'push' with one)")
      .isTrue();
    for (ListenerConfig listener : served) {
      assertThat(listener.body()).as("listener '" + listener.name() + "' body: worker.js upper-cases text, a"
        + " buffer body reaches it as base64").isNotEqualTo(BodyType.BUFFER);
      assertThat(listener.dispatch()).as("listener '" + listener.name() + "' dispatch: pinned needs workers in"
        + " the JVM").isNotEqualTo(DispatchMode.PINNED);
      assertThat(listener.reply()).as("listener '" + listener.name() + "' reply").isTrue();
    }
    for (ListenerConfig listener : config.listeners()) {
      boolean jvmWorker = config.workers().stream()
        .anyMatch(w -> w.config() != null && listener.address().equals(w.config().getString("address")));
      assertThat(listener.address().equals(address) || jvmWorker).as("listener '" + listener.name() + "' address "
        + listener.address() + " is served by the sidecar or a worker of the config").isTrue();
      assertThat(listener.address().equals(address) && jvmWorker).as("listener '" + listener.name() + "': a JVM"
        + " worker on the sidecar's address would take part of its frames").isFalse();
    }
  }

  @Test
  void everyListenerPortIsAGatewayContainerPortAndAServicePortAndNothingElseIs() {
    GatewayConfig config = config(overlay);
    Set<Integer> listenerPorts = config.listeners().stream().map(ListenerConfig::port)
      .collect(Collectors.toCollection(TreeSet::new));
    Set<Integer> gatewayPorts = containerPorts(container(GATEWAY)).keySet();
    assertThat(gatewayPorts).as("containerPorts of container '" + GATEWAY + "' vs. the listener ports "
      + listenerPorts + " of the overlay's config").containsAll(listenerPorts);
    Set<Integer> expected = new TreeSet<>(listenerPorts);
    expected.add(config.admin().port());
    assertThat(gatewayPorts).as("containerPorts of container '" + GATEWAY + "': the listeners' and the admin port"
      + " only (a port of a listener the overlay dropped is still declared; a strategic-merge '$patch: delete'"
      + " of a port matches on containerPort and protocol)").isEqualTo(expected);
    assertThat(serviceTargetPorts()).as("LoadBalancer Service target ports vs. the listener ports of the overlay's"
      + " config (a '$patch: delete' of a Service port matches on port and protocol)").isEqualTo(listenerPorts);
  }

  @Test
  void sidecarExposesNoPortsAndRunsNonRootReadOnlyWithoutCapabilities() {
    Map<String, Object> sidecar = container(SIDECAR);
    assertThat(sidecar.get("ports")).as("ports of the sidecar: it only connects to the bridge").isNull();
    Map<String, Object> pod = map(podSpec().getOrDefault("securityContext", Map.of()), "pod securityContext");
    Map<String, Object> sc = map(sidecar.getOrDefault("securityContext", Map.of()), "sidecar securityContext");
    assertThat(sc.getOrDefault("runAsNonRoot", pod.get("runAsNonRoot"))).as("sidecar runAsNonRoot (container,"
      + " else pod)").isEqualTo(true);
    Object uid = sc.getOrDefault("runAsUser", pod.get("runAsUser"));
    assertThat(uid).as("sidecar runAsUser (container, else pod)").isInstanceOf(Integer.class).isNotEqualTo(0);
    assertThat(sc.get("readOnlyRootFilesystem")).as("sidecar readOnlyRootFilesystem").isEqualTo(true);
    assertThat(sc.get("allowPrivilegeEscalation")).as("sidecar allowPrivilegeEscalation").isEqualTo(false);
    assertThat(sc.get("privileged")).as("sidecar privileged").isNotEqualTo(true);
    Map<String, Object> caps = map(sc.getOrDefault("capabilities", Map.of()), "sidecar capabilities");
    assertThat(strings(caps.getOrDefault("drop", List.of()))).as("sidecar capabilities.drop").contains("ALL");
    assertThat(strings(caps.getOrDefault("add", List.of()))).as("sidecar capabilities.add").isEmpty();

    Map<String, Object> resources = map(sidecar.get("resources"), "sidecar resources");
    assertThat(map(resources.get("requests"), "sidecar requests")).containsKeys("cpu", "memory");
    assertThat(map(resources.get("limits"), "sidecar limits")).containsKeys("cpu", "memory");
    for (Map<String, Object> c : containers()) {
      Map<String, Object> requests = map(map(c.get("resources"), c.get("name") + " resources").get("requests"),
        c.get("name") + " requests");
      assertThat(requests).as("container " + c.get("name") + " requests.cpu: the HPA's CPU utilization divides the"
        + " pod's usage by the sum of its containers' requests, and cannot without one").containsKey("cpu");
    }
  }

  @Test
  void sidecarRunsTheNodeWorkerImageAtTheOverlaysTag() {
    Map<String, Object> entry = maps(kustomization.get("images"), "images").stream()
      .filter(i -> SIDECAR_IMAGE.equals(i.get("name"))).findFirst()
      .orElseThrow(() -> new AssertionError("the overlay's images: has no entry for " + SIDECAR_IMAGE));
    String tag = str(entry.get("newTag"), "images " + SIDECAR_IMAGE + " newTag");
    String name = entry.get("newName") == null ? SIDECAR_IMAGE : String.valueOf(entry.get("newName"));
    Map<String, Object> sidecar = container(SIDECAR);
    assertThat(sidecar.get("image")).as("rendered image of the sidecar").isEqualTo(name + ":" + tag);
    assertThat(Kustomize.imageName(String.valueOf(container(GATEWAY).get("image")))).as("gateway image (the base's"
      + " images: entry still applies)").isEqualTo(GATEWAY);
    assertThat(sidecar.get("command")).as("sidecar command: the image's CMD runs worker.js").isNull();
    assertThat(sidecar.get("args")).as("sidecar args").isNull();
  }

  @Test
  void workerImageRunsNodeOnWorkerJsAsNonRoot() throws IOException {
    Dockerfile image = Dockerfile.parse(WORKER_DOCKERFILE);
    Matcher from = NODE_LTS_IMAGE.matcher(String.valueOf(image.from()));
    assertThat(from.matches()).as("FROM " + image.from() + ": an official Node.js image, alpine or slim").isTrue();
    assertThat(Integer.parseInt(from.group(1)) % 2).as("FROM " + image.from() + ": Node.js LTS lines are the even"
      + " majors").isZero();
    String workerJs = image.copyDestination("worker.js");
    assertThat(workerJs).as("the image COPYs worker.js").isNotNull();
    List<String> cmd = image.commandLine();
    assertThat(cmd).as("ENTRYPOINT + CMD of the worker image").hasSize(2);
    assertThat(cmd.get(0)).as("the program the worker image runs").isEqualTo("node");
    String script = cmd.get(1).startsWith("/") ? cmd.get(1) : image.workdir().replaceAll("/$", "") + "/" + cmd.get(1);
    assertThat(script).as("the script node runs, from WORKDIR " + image.workdir() + ", vs. where worker.js is copied")
      .isEqualTo(workerJs);
    assertThat(image.user()).as("USER of the worker image: numeric (the kubelet cannot check a name against"
      + " runAsNonRoot) and not root").matches("[0-9]+").isNotEqualTo("0");
    assertThat(image.exposed()).as("EXPOSE of the worker image: it listens on nothing").isEmpty();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // helpers

  private static Set<String> kinds(Kustomize.Rendered rendered) {
    return rendered.kinds();
  }

  private static Map<String, Object> podSpec() {
    return podSpec(overlay);
  }

  private static Map<String, Object> podSpec(Kustomize.Rendered rendered) {
    return rendered.podSpec(GATEWAY);
  }

  private static List<Map<String, Object>> containers() {
    return maps(podSpec().get("containers"), "containers");
  }

  private static Map<String, Object> container(String name) {
    return container(overlay, name);
  }

  private static Map<String, Object> container(Kustomize.Rendered rendered, String name) {
    return rendered.container(GATEWAY, name);
  }

  private static Map<String, String> env(Map<String, Object> c) {
    Map<String, String> env = new LinkedHashMap<>();
    for (Map<String, Object> e : maps(c.getOrDefault("env", List.of()), "env of " + c.get("name"))) {
      assertThat(e.get("value")).as("env " + e.get("name") + " of " + c.get("name") + ": a literal value").isNotNull();
      env.put(str(e.get("name"), "env name"), String.valueOf(e.get("value")));
    }
    return env;
  }

  /** containerPort -> name. */
  private static Map<Integer, String> containerPorts(Map<String, Object> c) {
    Map<Integer, String> ports = new TreeMap<>();
    for (Map<String, Object> p : maps(c.get("ports"), "ports of " + c.get("name"))) {
      ports.put(((Number) p.get("containerPort")).intValue(), String.valueOf(p.get("name")));
    }
    return ports;
  }

  /** The gateway container ports the LoadBalancer Service's ports lead to. */
  private static Set<Integer> serviceTargetPorts() {
    List<Map<String, Object>> lbs = overlay.ofKind("Service").stream()
      .filter(s -> "LoadBalancer".equals(spec(s).get("type"))).toList();
    assertThat(lbs).as("LoadBalancer Services").hasSize(1);
    Map<Integer, String> named = containerPorts(container(GATEWAY));
    Set<Integer> targets = new TreeSet<>();
    for (Map<String, Object> p : maps(spec(lbs.get(0)).get("ports"), "Service ports")) {
      Object target = p.getOrDefault("targetPort", p.get("port"));
      if (target instanceof Number n) {
        targets.add(n.intValue());
      } else {
        Integer port = named.entrySet().stream().filter(e -> e.getValue().equals(target)).map(Map.Entry::getKey)
          .findFirst().orElseThrow(() -> new AssertionError("Service targetPort '" + target + "' names no"
            + " containerPort of '" + GATEWAY + "'; its ports are " + named));
        targets.add(port);
      }
    }
    return targets;
  }

  /** The content of the ConfigMap key the gateway's {@code -conf FILE} reads, through its volumeMount. */
  private static String mountedConfigJson() {
    return mountedConfigJson(overlay);
  }

  private static String mountedConfigJson(Kustomize.Rendered rendered) {
    return rendered.mountedConfigJson(GATEWAY, GATEWAY);
  }

  /** The config the gateway runs, after its container's {@code TCPGATE_*} overrides, strictly validated. */
  private static GatewayConfig config(Kustomize.Rendered rendered) {
    JsonObject json;
    try {
      json = new JsonObject(mountedConfigJson(rendered));
    } catch (DecodeException e) {
      throw new AssertionError("the mounted config.json is not JSON: " + e.getMessage(), e);
    }
    try {
      return GatewayConfig.fromJson(ConfigOverrides.apply(json, env(container(rendered, GATEWAY)), Map.of()));
    } catch (ConfigException e) {
      throw new AssertionError("the mounted config.json is rejected by GatewayConfig.fromJson: " + e.getMessage(), e);
    }
  }
}
