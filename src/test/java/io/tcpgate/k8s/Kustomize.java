package io.tcpgate.k8s;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
 * Renders a kustomization as {@code kubectl kustomize} does, for the features tcpgate's manifests use, so the tests
 * need no kubectl: {@code resources} (files, and directories holding a kustomization), {@code configMapGenerator}
 * ({@code files}, {@code literals}, {@code behavior} create/replace/merge), {@code patches} by {@code path} with a
 * strategic-merge patch, and {@code images}, applied in kustomize's order (resources, generators, patches, images).
 * Anything else in a kustomization or a patch fails the test rather than being ignored, so the rendering never
 * silently differs from kustomize's; {@link RenderedManifestsTest} compares the two where kubectl is installed.
 * Generated ConfigMaps keep their plain names (kustomize adds a content hash to them and to their references).
 */
final class Kustomize {

  private static final Set<String> KUSTOMIZATION_KEYS = Set.of("apiVersion", "kind", "resources",
    "configMapGenerator", "patches", "images");
  private static final Set<String> GENERATOR_KEYS = Set.of("name", "behavior", "files", "literals", "options");
  private static final Set<String> IMAGE_KEYS = Set.of("name", "newName", "newTag", "digest");
  /** Merge keys of the associative lists a patch may merge into (their x-kubernetes-list-map-keys). */
  private static final Map<String, List<String>> CONTAINER_LISTS = Map.of(
    "containers", List.of("name"),
    "initContainers", List.of("name"),
    "volumes", List.of("name"),
    "env", List.of("name"),
    "volumeMounts", List.of("mountPath"));

  private Kustomize() {
  }

  /** What a kustomization renders to. */
  static final class Rendered {
    /** The objects, each with {@code __file}: the manifest it came from, relative to the rendered directory. */
    final List<Map<String, Object>> objects = new ArrayList<>();
    /** ConfigMap name (before kustomize's hash suffix) -> key -> content, from generators and manifests. */
    final Map<String, Map<String, String>> configMaps = new LinkedHashMap<>();
    /** Each kustomization directory visited -> the files in it (relative paths) that it refers to. */
    final Map<Path, Set<String>> referencedFiles = new LinkedHashMap<>();

    List<Map<String, Object>> ofKind(String kind) {
      return objects.stream().filter(o -> kind.equals(o.get("kind"))).toList();
    }

    /** The one object of {@code kind} named {@code name}. */
    Map<String, Object> get(String kind, String name) {
      List<Map<String, Object>> found = ofKind(kind).stream().filter(o -> name.equals(name(o))).toList();
      assertThat(found).as(kind + " " + name + " among the rendered objects").hasSize(1);
      return found.get(0);
    }

    /** {@code kind/name} of every object, sorted. */
    Set<String> kinds() {
      return objects.stream().map(o -> o.get("kind") + "/" + name(o)).collect(Collectors.toCollection(TreeSet::new));
    }

    /** The pod spec of Deployment {@code deployment}. */
    Map<String, Object> podSpec(String deployment) {
      return map(map(spec(get("Deployment", deployment)).get("template"), "pod template").get("spec"), "pod spec");
    }

    /** Container {@code name} of Deployment {@code deployment}. */
    Map<String, Object> container(String deployment, String name) {
      return maps(podSpec(deployment).get("containers"), "containers").stream().filter(c -> name.equals(c.get("name")))
        .findFirst().orElseThrow(() -> new AssertionError("the Deployment has no container '" + name + "'"));
    }

    /**
     * The content of the ConfigMap key that container {@code name} of Deployment {@code deployment} reads with
     * {@code -conf FILE}, through a volume mount of the whole ConfigMap (not a subPath).
     */
    String mountedConfigJson(String deployment, String name) {
      Map<String, Object> gateway = container(deployment, name);
      List<String> cmd = Stream.concat(strings(gateway.getOrDefault("command", List.of())).stream(),
        strings(gateway.getOrDefault("args", List.of())).stream()).toList();
      int flag = cmd.lastIndexOf("-conf");
      assertThat(flag).as("-conf FILE on the gateway's command line " + cmd).isBetween(0, cmd.size() - 2);
      Path conf = Path.of(cmd.get(flag + 1));
      for (Map<String, Object> mount : maps(gateway.get("volumeMounts"), "volumeMounts")) {
        if (!conf.getParent().equals(Path.of(str(mount.get("mountPath"), "mountPath"))) || mount.get("subPath") != null) {
          continue;
        }
        for (Map<String, Object> volume : maps(podSpec(deployment).get("volumes"), "volumes")) {
          if (volume.get("name").equals(mount.get("name")) && volume.get("configMap") != null) {
            String cm = str(map(volume.get("configMap"), "configMap volume").get("name"), "configMap name");
            Map<String, String> data = configMaps.get(cm);
            assertThat(data).as("ConfigMap " + cm + " mounted at " + mount.get("mountPath")).isNotNull();
            String json = data.get(conf.getFileName().toString());
            assertThat(json).as("key " + conf.getFileName() + " of ConfigMap " + cm).isNotNull();
            return json;
          }
        }
      }
      throw new AssertionError("-conf " + conf + " is in no ConfigMap volume of container '" + name + "'");
    }
  }

  /** Renders the kustomization in {@code dir}. */
  static Rendered render(Path dir) throws IOException {
    Rendered out = new Rendered();
    Path root = dir.toAbsolutePath().normalize();
    render(root, root, new ArrayList<>(), out);
    return out;
  }

  private static void render(Path root, Path dir, List<Path> visiting, Rendered out) throws IOException {
    Path file = dir.resolve("kustomization.yaml");
    String where = root.relativize(file).toString();
    assertThat(file).as("kustomization " + where).isRegularFile();
    Map<String, Object> k = map(yaml().load(Files.readString(file)), where);
    assertThat(KUSTOMIZATION_KEYS).as(where + ": keys this renderer knows (teach Kustomize.java the others)")
      .containsAll(k.keySet());
    Set<String> referenced = out.referencedFiles.computeIfAbsent(dir, d -> new LinkedHashSet<>());

    for (String resource : strings(k.getOrDefault("resources", List.of()))) {
      Path path = dir.resolve(resource).normalize();
      if (Files.isDirectory(path)) {
        visiting.add(dir);
        for (Path visited : visiting) {
          assertThat(visited.startsWith(path)).as(where + ": resource " + resource + " contains " + visited + ","
            + " which builds on it: kustomize refuses that (cycle detected); put the base in a sibling folder")
            .isFalse();
        }
        render(root, path, visiting, out);
        visiting.remove(visiting.size() - 1);
        continue;
      }
      assertThat(path).as(where + " lists resource " + resource).isRegularFile();
      assertThat(path.startsWith(dir)).as(where + ": resource file " + resource + " is outside the kustomization's"
        + " directory (kustomize's load restrictor refuses it)").isTrue();
      referenced.add(dir.relativize(path).toString());
      for (Object doc : yaml().loadAll(Files.readString(path))) {
        if (doc == null) {
          continue;
        }
        Map<String, Object> obj = new LinkedHashMap<>(map(doc, resource + " document"));
        obj.put("__file", root.relativize(path).toString());
        out.objects.add(obj);
        if ("ConfigMap".equals(obj.get("kind"))) {
          Map<String, String> data = new LinkedHashMap<>();
          map(obj.getOrDefault("data", Map.of()), "ConfigMap data")
            .forEach((key, v) -> data.put(key, String.valueOf(v)));
          out.configMaps.put(name(obj), data);
        }
      }
    }

    for (Map<String, Object> gen : maps(k.get("configMapGenerator"), where + " configMapGenerator")) {
      assertThat(GENERATOR_KEYS).as(where + " configMapGenerator keys").containsAll(gen.keySet());
      String name = str(gen.get("name"), where + " configMapGenerator name");
      String behavior = String.valueOf(gen.getOrDefault("behavior", "create"));
      Map<String, String> data = new LinkedHashMap<>();
      for (String entry : strings(gen.getOrDefault("files", List.of()))) {
        int eq = entry.indexOf('=');
        String path = eq < 0 ? entry : entry.substring(eq + 1);
        String key = eq < 0 ? Path.of(path).getFileName().toString() : entry.substring(0, eq);
        Path source = dir.resolve(path).normalize();
        assertThat(source).as(where + " configMapGenerator " + name + " file " + path).isRegularFile();
        assertThat(source.startsWith(dir)).as(where + " configMapGenerator " + name + " file " + path + " is"
          + " outside the kustomization's directory (kustomize's load restrictor refuses it)").isTrue();
        referenced.add(dir.relativize(source).toString());
        data.put(key, Files.readString(source));
      }
      for (String entry : strings(gen.getOrDefault("literals", List.of()))) {
        int eq = entry.indexOf('=');
        data.put(entry.substring(0, eq), entry.substring(eq + 1));
      }
      switch (behavior) {
        case "create" -> {
          assertThat(out.configMaps).as(where + ": configMapGenerator " + name + " (behavior create) collides with"
            + " a ConfigMap of its resources; use behavior replace or merge").doesNotContainKey(name);
          out.configMaps.put(name, data);
        }
        case "replace" -> {
          assertThat(out.configMaps).as(where + ": configMapGenerator " + name + " has behavior replace, but its"
            + " resources generate no ConfigMap of that name").containsKey(name);
          out.configMaps.put(name, data);
        }
        case "merge" -> {
          assertThat(out.configMaps).as(where + ": configMapGenerator " + name + " has behavior merge, but its"
            + " resources generate no ConfigMap of that name").containsKey(name);
          out.configMaps.get(name).putAll(data);
        }
        default -> throw new AssertionError(where + ": configMapGenerator " + name + " behavior " + behavior);
      }
    }

    for (Map<String, Object> entry : maps(k.get("patches"), where + " patches")) {
      assertThat(entry.keySet()).as(where + ": patches entries this renderer knows: path only (no target, no"
        + " inline patch; teach Kustomize.java the others)").containsExactly("path");
      String patchFile = str(entry.get("path"), where + " patches path");
      Path path = dir.resolve(patchFile).normalize();
      assertThat(path).as(where + " lists patch " + patchFile).isRegularFile();
      assertThat(path.startsWith(dir)).as(where + ": patch " + patchFile + " is outside the kustomization's"
        + " directory (kustomize's load restrictor refuses it)").isTrue();
      referenced.add(dir.relativize(path).toString());
      Object patch = yaml().load(Files.readString(path));
      if (!(patch instanceof Map)) {
        throw new AssertionError(where + ": patch " + patchFile + " is not a strategic-merge patch (an object);"
          + " JSON 6902 patches are not supported by this renderer");
      }
      applyStrategicMerge(out, map(patch, patchFile), patchFile);
    }

    for (Map<String, Object> image : maps(k.get("images"), where + " images")) {
      assertThat(IMAGE_KEYS).as(where + " images keys").containsAll(image.keySet());
      String imageName = str(image.get("name"), where + " images name");
      for (Map<String, Object> obj : out.objects) {
        for (Map<String, Object> container : podContainers(obj)) {
          String current = String.valueOf(container.get("image"));
          if (imageName(current).equals(imageName)) {
            container.put("image", retag(current, image));
          }
        }
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // strategic merge

  private static void applyStrategicMerge(Rendered out, Map<String, Object> patch, String patchFile) {
    String kind = str(patch.get("kind"), patchFile + " kind");
    String name = name(patch);
    List<Map<String, Object>> targets = out.objects.stream()
      .filter(o -> kind.equals(o.get("kind")) && name.equals(name(o))).toList();
    assertThat(targets).as("patch " + patchFile + ": objects " + kind + "/" + name + " it applies to (kustomize"
      + " fails on none)").hasSize(1);
    Map<String, Object> target = targets.get(0);
    assertThat(target.get("apiVersion")).as("patch " + patchFile + " apiVersion").isEqualTo(patch.get("apiVersion"));
    mergeMap(target, patch, kind, patchFile);
  }

  @SuppressWarnings("unchecked")
  private static void mergeMap(Map<String, Object> target, Map<String, Object> patch, String path, String patchFile) {
    for (Map.Entry<String, Object> e : patch.entrySet()) {
      String key = e.getKey();
      Object value = e.getValue();
      String at = path + "." + key;
      if (key.startsWith("$")) {
        throw new AssertionError("patch " + patchFile + ": directive " + key + " at " + path + " is not supported by"
          + " this renderer");
      }
      if (value == null) {
        target.remove(key);
      } else if (value instanceof Map && target.get(key) instanceof Map) {
        mergeMap((Map<String, Object>) target.get(key), (Map<String, Object>) value, at, patchFile);
      } else if (value instanceof List<?> list && target.get(key) instanceof List && mergeKeys(path, key) != null) {
        mergeList((List<Object>) target.get(key), list, mergeKeys(path, key), at, patchFile);
      } else {
        assertThat(value instanceof List<?> list && list.stream().anyMatch(v -> v instanceof Map m
          && m.containsKey("$patch"))).as("patch " + patchFile + ": $patch in " + at + ", a list this renderer"
          + " replaces").isFalse();
        target.put(key, value);
      }
    }
  }

  /**
   * Matches elements on all the merge keys, as kustomize does: a key missing on one side matches no element. The
   * result is ordered as kustomize orders it: the patch's elements first, in the patch's order (merged into their
   * match, or new), then the target's elements the patch does not mention, in the target's order.
   */
  @SuppressWarnings("unchecked")
  private static void mergeList(List<Object> target, List<?> patch, List<String> keys, String path,
                                String patchFile) {
    List<Object> merged = new ArrayList<>();
    for (Object item : patch) {
      Map<String, Object> element = new LinkedHashMap<>(map(item, "patch " + patchFile + " " + path + " element"));
      Object directive = element.remove("$patch");
      List<Object> id = keys.stream().map(element::get).toList();
      Map<String, Object> match = null;
      for (Object t : target) {
        if (t instanceof Map<?, ?> m && keys.stream().map(m::get).toList().equals(id)
          && id.stream().allMatch(Objects::nonNull)) {
          match = (Map<String, Object>) m;
        }
      }
      if (match != null) {
        Map<String, Object> found = match;
        target.removeIf(t -> t == found);
      }
      if ("delete".equals(directive)) {
        continue;
      } else if (directive != null) {
        throw new AssertionError("patch " + patchFile + ": $patch: " + directive + " in " + path + " is not"
          + " supported by this renderer");
      } else if (match != null) {
        mergeMap(match, element, path + id, patchFile);
        merged.add(match);
      } else {
        merged.add(element);
      }
    }
    merged.addAll(target);
    target.clear();
    target.addAll(merged);
  }

  /** The merge keys of list {@code key} inside {@code path}, or null for a list a patch replaces. */
  private static List<String> mergeKeys(String path, String key) {
    if ("ports".equals(key)) {
      if (path.matches(".*\\.(containers|initContainers)\\[[^]]*]$")) {
        return List.of("containerPort", "protocol");
      }
      return path.equals("Service.spec") ? List.of("port", "protocol") : null;
    }
    return CONTAINER_LISTS.get(key);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // images

  private static List<Map<String, Object>> podContainers(Map<String, Object> obj) {
    Object spec = obj.get("spec");
    if (!(spec instanceof Map<?, ?> s) || !(s.get("template") instanceof Map<?, ?> t)
      || !(t.get("spec") instanceof Map<?, ?> pod)) {
      return List.of();
    }
    List<Map<String, Object>> all = new ArrayList<>();
    for (String list : List.of("initContainers", "containers")) {
      all.addAll(maps(pod.get(list), "pod " + list));
    }
    return all;
  }

  /** The image reference without its tag or digest. */
  static String imageName(String image) {
    String name = image.contains("@") ? image.substring(0, image.indexOf('@')) : image;
    int colon = name.lastIndexOf(':');
    return colon > name.lastIndexOf('/') ? name.substring(0, colon) : name;
  }

  private static String retag(String image, Map<String, Object> entry) {
    String name = entry.get("newName") != null ? String.valueOf(entry.get("newName")) : imageName(image);
    if (entry.get("digest") != null) {
      return name + "@" + entry.get("digest");
    }
    if (entry.get("newTag") != null) {
      return name + ":" + entry.get("newTag");
    }
    return name + image.substring(imageName(image).length());
  }
}
