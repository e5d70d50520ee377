package io.tcpgate.k8s;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
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
 * Keeps {@code k8s/overlays/tls} (the standalone layout with TLS on listeners) in agreement with its base and with
 * itself: its config.json is the base's plus {@code tls} objects on listeners, the certificate, key and CA files
 * those name are in Secret {@code tcpgate-tls} mounted as a whole directory (no subPath, so a renewed Secret reaches
 * the gateway), readable by the gateway's uid and read-only, the cert-manager Certificate example writes that Secret
 * with an Issuer the example defines, and the Services, ports, probes and everything else are the base's. Renders
 * the overlay as kustomize does ({@link Kustomize}). The config is compared as JSON, not parsed with the gateway's
 * config classes, so the test states what the overlay must contain independently of them.
 */
class TlsOverlayTest {

  private static final Path BASE = Path.of(System.getProperty("basedir", System.getProperty("user.dir")))
    .toAbsolutePath().normalize();
  private static final Path OVERLAY = BASE.resolve("k8s/overlays/tls");
  private static final String GATEWAY = "tcpgate";
  private static final String SECRET = "tcpgate-tls";
  private static final String CERT_MANAGER = "cert-manager.io/v1";
  /** Files of the overlay that it does not render: cert-manager objects, applied by hand where cert-manager runs. */
  private static final Set<String> APPLIED_SEPARATELY = Set.of("certificate.yaml", "issuer.yaml");
  /** The file each path names: the keys of a Kubernetes TLS Secret, as cert-manager writes it. */
  private static final Map<String, String> SECRET_KEYS = Map.of("certPath", "tls.crt", "keyPath", "tls.key",
    "caPath", "ca.crt");
  /** How long the kubelet may take to update a mounted Secret (its sync period plus its cache TTL), at most. */
  private static final long KUBELET_UPDATE_MS = 2 * 60_000;
  private static final Pattern GO_DURATION = Pattern.compile("(\\d+)(h|m|s)");

  private static Kustomize.Rendered overlay;
  private static Kustomize.Rendered base;
  private static Map<String, Object> kustomization;
  private static JsonObject config;
  private static JsonObject baseConfig;

  @BeforeAll
  static void load() throws IOException {
    overlay = Kustomize.render(OVERLAY);
    base = Kustomize.render(BASE.resolve("k8s/base"));
    kustomization = map(yaml().load(Files.readString(OVERLAY.resolve("kustomization.yaml"))), "kustomization");
    config = json(mountedConfigJson(overlay), "the overlay's mounted config.json");
    baseConfig = json(mountedConfigJson(base), "the base's mounted config.json");
  }

  // ---------------------------------------------------------------------------------------------------------------
  // the overlay itself

  @Test
  void overlayBuildsOnTheBaseAndLeavesTheCertManagerExamplesOutOfItsResources() throws IOException {
    assertThat(strings(kustomization.get("resources"))).as("resources of the overlay: the standalone layout")
      .containsExactly("../../base");
    Set<String> present;
    try (Stream<Path> files = Files.list(OVERLAY)) {
      present = files.filter(Files::isRegularFile).map(p -> p.getFileName().toString())
        .filter(n -> !n.startsWith("kustomization.")).collect(Collectors.toCollection(TreeSet::new));
    }
    assertThat(present).as("files of k8s/overlays/tls").containsAll(APPLIED_SEPARATELY);
    Set<String> rendered = new TreeSet<>(present);
    rendered.removeAll(APPLIED_SEPARATELY);
    assertThat(overlay.referencedFiles.get(OVERLAY)).as("files of k8s/overlays/tls its kustomization uses: all but "
      + APPLIED_SEPARATELY + ", which need cert-manager's CRDs and are applied separately (a patch or config it does"
      + " not list would silently not apply)").containsExactlyInAnyOrderElementsOf(rendered);
    assertThat(kinds(overlay)).as("objects of the overlay vs. of the base: it changes them, it adds or drops none")
      .isEqualTo(kinds(base));
    List<Map<String, Object>> generators = maps(kustomization.get("configMapGenerator"), "configMapGenerator");
    assertThat(generators).as("configMapGenerator of the overlay").hasSize(1);
    assertThat(generators.get(0).get("behavior")).as("configMapGenerator behavior: the base's ConfigMap, with this"
      + " overlay's config.json").isEqualTo("replace");
    assertThat(mountedConfigJson(overlay)).as("the config the gateway reads in the overlay")
      .isEqualTo(Files.readString(OVERLAY.resolve("config.json")));
  }

  @Test
  void configIsTheBaseConfigWithTlsAddedToListeners() {
    JsonObject stripped = config.copy();
    for (Object listener : stripped.getJsonArray("listeners", new JsonArray())) {
      ((JsonObject) listener).remove("tls");
    }
    assertThat(stripped).as("the overlay's config.json without its listeners' tls objects vs. the base's config.json"
      + " (listeners, workers, defaults, shutdown, admin, bridge and logging must not drift from the base)")
      .isEqualTo(baseConfig);
    assertThat(tlsListeners()).as("listeners of the overlay's config.json with a tls object").isNotEmpty();
  }

  @Test
  void everyTlsListenerNamesTheSecretsFilesAndReloadsThem() {
    for (Map.Entry<String, JsonObject> e : tlsListeners().entrySet()) {
      String where = "listener '" + e.getKey() + "' tls.";
      JsonObject tls = e.getValue();
      String clientAuth = tls.getString("clientAuth", "none");
      assertThat(clientAuth).as(where + "clientAuth").isIn("none", "request", "required");
      assertThat(tls.containsKey("certPath") && tls.containsKey("keyPath")).as(where + "certPath and keyPath")
        .isTrue();
      if (!clientAuth.equals("none")) {
        assertThat(tls.getString("caPath")).as(where + "caPath: clientAuth " + clientAuth + " verifies client"
          + " certificates against it").isNotBlank();
      }
      for (Map.Entry<String, String> key : SECRET_KEYS.entrySet()) {
        if (tls.containsKey(key.getKey())) {
          Path file = Path.of(tls.getString(key.getKey()));
          assertThat(file.isAbsolute()).as(where + key.getKey() + " " + file + " is absolute").isTrue();
          assertThat(file.getFileName().toString()).as(where + key.getKey() + ": the key of a Kubernetes TLS Secret"
            + " (what cert-manager and `kubectl create secret tls` write)").isEqualTo(key.getValue());
        }
      }
      Object reload = tls.getValue("reloadCheckMs");
      assertThat(reload).as(where + "reloadCheckMs: how a renewed Secret reaches new connections without a restart")
        .isInstanceOf(Number.class);
      assertThat(((Number) reload).longValue()).as(where + "reloadCheckMs").isPositive();
      if (tls.containsKey("handshakeTimeoutMs")) {
        assertThat(tls.getLong("handshakeTimeoutMs")).as(where + "handshakeTimeoutMs").isPositive();
      }
      if (tls.containsKey("protocols")) {
        assertThat(tls.getJsonArray("protocols").getList()).as(where + "protocols").isNotEmpty()
          .isSubsetOf("TLSv1.3", "TLSv1.2");
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // the Secret volume

  @Test
  void secretIsMountedAsAReadOnlyDirectoryWhereTheConfigsFilesAre() {
    Set<String> secrets = new TreeSet<>();
    for (Map.Entry<String, JsonObject> e : tlsListeners().entrySet()) {
      for (String key : SECRET_KEYS.keySet()) {
        if (!e.getValue().containsKey(key)) {
          continue;
        }
        Path file = Path.of(e.getValue().getString(key));
        String where = "listener '" + e.getKey() + "' tls." + key + " " + file;
        Map<String, Object> mount = mountOf(file);
        assertThat(mount).as(where + ": the volumeMount of container '" + GATEWAY + "' it lies in").isNotNull();
        assertThat(mount.get("subPath")).as(where + ": mounted without subPath (a subPath mount never sees the"
          + " kubelet's update of a renewed Secret)").isNull();
        assertThat(mount.get("subPathExpr")).as(where + ": mounted without subPathExpr").isNull();
        assertThat(mount.get("readOnly")).as(where + ": mount readOnly").isEqualTo(true);
        assertThat(file.getParent()).as(where + ": directly in the mounted Secret's directory, as one of its keys")
          .isEqualTo(Path.of(str(mount.get("mountPath"), "mountPath")));
        Map<String, Object> volume = volume(str(mount.get("name"), "volumeMount name"));
        assertThat(volume.get("secret")).as(where + ": volume " + volume.get("name") + " is a Secret volume")
          .isNotNull();
        Map<String, Object> secret = map(volume.get("secret"), "secret volume");
        assertThat(secret.get("items")).as(where + ": the whole Secret, no items (every key the config names is"
          + " there)").isNull();
        assertThat(secret.get("optional")).as(where + ": Secret volume optional (a missing Secret must stop the pod"
          + " at the mount, not start a gateway without its certificate)").isNotEqualTo(true);
        secrets.add(str(secret.get("secretName"), "secretName"));
      }
    }
    assertThat(secrets).as("Secrets the config's tls files come from").containsExactly(SECRET);
  }

  @Test
  void secretFilesAreReadableByTheGatewayAndNobodyElse() {
    Map<String, Object> volume = secretVolume();
    Map<String, Object> secret = map(volume.get("secret"), "secret volume");
    Object mode = secret.get("defaultMode");
    assertThat(mode).as("defaultMode of Secret volume " + volume.get("name")).isInstanceOf(Integer.class);
    int bits = (Integer) mode;
    Map<String, Object> pod = map(podSpec(overlay).getOrDefault("securityContext", Map.of()), "pod securityContext");
    assertThat(pod.get("fsGroup")).as("pod securityContext.fsGroup: the group the kubelet gives the Secret's files"
      + " (they belong to root), and a supplementary group of the gateway's user").isInstanceOf(Integer.class);
    Map<String, Object> sc = map(container(overlay).getOrDefault("securityContext", Map.of()), "securityContext");
    assertThat(sc.getOrDefault("runAsUser", pod.get("runAsUser"))).as("gateway runAsUser: not root, so it reads"
      + " the files through fsGroup").isNotNull().isNotEqualTo(0);
    assertThat(bits & 0040).as("defaultMode 0" + Integer.toOctalString(bits) + ": group-readable, for fsGroup")
      .isNotZero();
    assertThat(bits & 0007).as("defaultMode 0" + Integer.toOctalString(bits) + ": the private key is not for other"
      + " users").isZero();
    assertThat(bits & 0222).as("defaultMode 0" + Integer.toOctalString(bits) + ": no write bits").isZero();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // the cert-manager examples

  @Test
  void certificateWritesTheMountedSecretForTheServiceAndRotatesItsKey() throws IOException {
    List<Map<String, Object>> docs = load("certificate.yaml");
    assertThat(docs).as("objects in certificate.yaml").hasSize(1);
    Map<String, Object> cert = docs.get(0);
    assertThat(cert.get("apiVersion")).as("certificate.yaml apiVersion").isEqualTo(CERT_MANAGER);
    assertThat(cert.get("kind")).as("certificate.yaml kind").isEqualTo("Certificate");
    Map<String, Object> spec = spec(cert);
    assertThat(spec.get("secretName")).as("Certificate secretName vs. the Secret the Deployment mounts")
      .isEqualTo(map(secretVolume().get("secret"), "secret volume").get("secretName"));
    String service = name(loadBalancer());
    assertThat(strings(spec.get("dnsNames"))).as("Certificate dnsNames: the LoadBalancer Service " + service
      + " by its in-cluster names").contains(service).anyMatch(n -> n.startsWith(service + ".")
        && n.endsWith(".svc"));
    Map<String, Object> key = map(spec.get("privateKey"), "Certificate privateKey");
    assertThat(key.get("rotationPolicy")).as("Certificate privateKey.rotationPolicy").isEqualTo("Always");
    assertThat(key.get("algorithm")).as("Certificate privateKey.algorithm").isIn("ECDSA", "RSA");
    assertThat(key.get("encoding")).as("Certificate privateKey.encoding: PKCS#8, which every Java TLS stack reads")
      .isEqualTo("PKCS8");
    assertThat(strings(spec.get("usages"))).as("Certificate usages").contains("server auth");

    long duration = goDuration(str(spec.get("duration"), "Certificate duration"));
    long renewBefore = goDuration(str(spec.get("renewBefore"), "Certificate renewBefore"));
    assertThat(renewBefore).as("Certificate renewBefore vs. duration").isLessThan(duration);
    long slowestReload = tlsListeners().values().stream().mapToLong(t -> t.getLong("reloadCheckMs")).max()
      .orElseThrow();
    assertThat(renewBefore).as("Certificate renewBefore (ms) vs. the kubelet's update of the volume plus the"
      + " gateway's reloadCheckMs: the renewed certificate must be served well before the old one expires")
      .isGreaterThan(100 * (KUBELET_UPDATE_MS + slowestReload));
  }

  @Test
  void certificatesIssuerIsTheExampleCaIssuer() throws IOException {
    Map<String, Object> issuerRef = map(spec(load("certificate.yaml").get(0)).get("issuerRef"), "issuerRef");
    assertThat(issuerRef.getOrDefault("kind", "Issuer")).as("Certificate issuerRef.kind").isEqualTo("Issuer");
    List<Map<String, Object>> docs = load("issuer.yaml");
    for (Map<String, Object> doc : docs) {
      assertThat(doc.get("apiVersion")).as("issuer.yaml " + doc.get("kind") + " " + name(doc) + " apiVersion")
        .isEqualTo(CERT_MANAGER);
    }
    Map<String, Object> caIssuer = find(docs, "Issuer", str(issuerRef.get("name"), "issuerRef.name"));
    String caSecret = str(map(spec(caIssuer).get("ca"), "Issuer " + name(caIssuer) + " spec.ca").get("secretName"),
      "spec.ca.secretName");
    List<Map<String, Object>> caCerts = docs.stream().filter(d -> "Certificate".equals(d.get("kind"))
      && caSecret.equals(spec(d).get("secretName"))).toList();
    assertThat(caCerts).as("Certificates in issuer.yaml writing the CA Issuer's Secret " + caSecret).hasSize(1);
    Map<String, Object> ca = spec(caCerts.get(0));
    assertThat(ca.get("isCA")).as("CA Certificate isCA").isEqualTo(true);
    Map<String, Object> caRef = map(ca.get("issuerRef"), "CA Certificate issuerRef");
    Map<String, Object> root = find(docs, String.valueOf(caRef.getOrDefault("kind", "Issuer")),
      str(caRef.get("name"), "CA Certificate issuerRef.name"));
    assertThat(spec(root)).as("Issuer " + name(root) + " that signs the CA").containsKey("selfSigned");
  }

  // ---------------------------------------------------------------------------------------------------------------
  // the rest is the base's

  @Test
  void servicesPortsProbesAndEverythingButTheSecretVolumeAreTheBases() {
    for (Map<String, Object> service : base.ofKind("Service")) {
      assertThat(plain(overlay.get("Service", name(service)))).as("Service " + name(service) + " vs. the base's")
        .isEqualTo(plain(service));
    }
    Map<String, Object> deployment = plain(overlay.get("Deployment", GATEWAY));
    Map<String, Object> pod = map(map(spec(deployment).get("template"), "pod template").get("spec"), "pod spec");
    String volume = str(secretVolume().get("name"), "Secret volume name");
    ((List<?>) pod.get("volumes")).removeIf(v -> volume.equals(((Map<?, ?>) v).get("name")));
    for (Map<String, Object> c : maps(pod.get("containers"), "containers")) {
      ((List<?>) c.getOrDefault("volumeMounts", new ArrayList<>()))
        .removeIf(m -> volume.equals(((Map<?, ?>) m).get("name")));
    }
    assertThat(deployment).as("the overlay's Deployment without Secret volume " + volume + " and its mount vs. the"
      + " base's Deployment (ports, probes, security context, config mount)")
      .isEqualTo(plain(base.get("Deployment", GATEWAY)));
    for (String kind : List.of("PodDisruptionBudget", "HorizontalPodAutoscaler")) {
      for (Map<String, Object> obj : base.ofKind(kind)) {
        assertThat(plain(overlay.get(kind, name(obj)))).as(kind + " " + name(obj) + " vs. the base's")
          .isEqualTo(plain(obj));
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // helpers

  /** Listener name -> its tls object, for the overlay's listeners that have one. */
  private static Map<String, JsonObject> tlsListeners() {
    Map<String, JsonObject> out = new TreeMap<>();
    for (Object l : config.getJsonArray("listeners", new JsonArray())) {
      JsonObject listener = (JsonObject) l;
      if (listener.containsKey("tls")) {
        assertThat(listener.getValue("tls")).as("listener '" + listener.getString("name") + "' tls")
          .isInstanceOf(JsonObject.class);
        out.put(listener.getString("name"), listener.getJsonObject("tls"));
      }
    }
    return out;
  }

  /** The gateway container's volumeMount that {@code file} lies in: the deepest mountPath above it. */
  private static Map<String, Object> mountOf(Path file) {
    Map<String, Object> found = null;
    int depth = -1;
    for (Map<String, Object> mount : maps(container(overlay).get("volumeMounts"), "volumeMounts")) {
      Path at = Path.of(str(mount.get("mountPath"), "mountPath"));
      if (file.startsWith(at) && at.getNameCount() > depth) {
        found = mount;
        depth = at.getNameCount();
      }
    }
    return found;
  }

  /** The volume the config's certPath is mounted from. */
  private static Map<String, Object> secretVolume() {
    JsonObject tls = tlsListeners().values().iterator().next();
    Map<String, Object> mount = mountOf(Path.of(tls.getString("certPath")));
    assertThat(mount).as("volumeMount of certPath " + tls.getString("certPath")).isNotNull();
    return volume(str(mount.get("name"), "volumeMount name"));
  }

  private static Map<String, Object> volume(String name) {
    return maps(podSpec(overlay).get("volumes"), "volumes").stream().filter(v -> name.equals(v.get("name")))
      .findFirst().orElseThrow(() -> new AssertionError("the pod has no volume '" + name + "'"));
  }

  private static Map<String, Object> loadBalancer() {
    List<Map<String, Object>> lbs = overlay.ofKind("Service").stream()
      .filter(s -> "LoadBalancer".equals(spec(s).get("type"))).toList();
    assertThat(lbs).as("LoadBalancer Services").hasSize(1);
    return lbs.get(0);
  }

  private static List<Map<String, Object>> load(String file) throws IOException {
    List<Map<String, Object>> docs = new ArrayList<>();
    for (Object doc : yaml().loadAll(Files.readString(OVERLAY.resolve(file)))) {
      if (doc != null) {
        docs.add(map(doc, file + " document"));
      }
    }
    return docs;
  }

  private static Map<String, Object> find(List<Map<String, Object>> docs, String kind, String name) {
    List<Map<String, Object>> found = docs.stream().filter(d -> kind.equals(d.get("kind")) && name.equals(name(d)))
      .toList();
    assertThat(found).as(kind + " " + name + " in issuer.yaml").hasSize(1);
    return found.get(0);
  }

  /** A Go duration as cert-manager takes it (hours, minutes, seconds), in milliseconds. */
  private static long goDuration(String text) {
    assertThat(text).as("duration " + text).matches("(\\d+(h|m|s))+");
    long ms = 0;
    Matcher m = GO_DURATION.matcher(text);
    while (m.find()) {
      long n = Long.parseLong(m.group(1));
      ms += switch (m.group(2)) {
        case "h" -> n * 3_600_000;
        case "m" -> n * 60_000;
        default -> n * 1_000;
      };
    }
    return ms;
  }

  private static Set<String> kinds(Kustomize.Rendered rendered) {
    return rendered.kinds();
  }

  /** A deep copy of {@code obj} without the renderer's {@code __} keys. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> plain(Map<String, Object> obj) {
    Map<String, Object> copy = (Map<String, Object>) deepCopy(obj);
    copy.keySet().removeIf(k -> k.startsWith("__"));
    return copy;
  }

  private static Object deepCopy(Object value) {
    if (value instanceof Map<?, ?> m) {
      Map<Object, Object> out = new LinkedHashMap<>();
      m.forEach((k, v) -> out.put(k, deepCopy(v)));
      return out;
    }
    if (value instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      l.forEach(v -> out.add(deepCopy(v)));
      return out;
    }
    return value;
  }

  private static Map<String, Object> podSpec(Kustomize.Rendered rendered) {
    return rendered.podSpec(GATEWAY);
  }

  private static Map<String, Object> container(Kustomize.Rendered rendered) {
    return rendered.container(GATEWAY, GATEWAY);
  }

  private static JsonObject json(String text, String what) {
    try {
      return new JsonObject(text);
    } catch (DecodeException e) {
      throw new AssertionError(what + " is not JSON: " + e.getMessage(), e);
    }
  }

  /** The content of the ConfigMap key the gateway's {@code -conf FILE} reads, through its volumeMount. */
  private static String mountedConfigJson(Kustomize.Rendered rendered) {
    return rendered.mountedConfigJson(GATEWAY, GATEWAY);
  }
}
