package io.tcpgate.testing;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Typed access to parsed YAML (Kubernetes manifests): each accessor fails with an {@link AssertionError} that says
 * what was expected where, instead of a ClassCastException.
 */
public final class Yamls {

  private Yamls() {
  }

  /** A loader that builds plain maps, lists and scalars only. */
  public static Yaml yaml() {
    return new Yaml(new SafeConstructor(new LoaderOptions()));
  }

  /** {@code o} as a mapping; {@code what} names it in the failure. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> map(Object o, String what) {
    if (!(o instanceof Map)) {
      throw new AssertionError(what + " should be a mapping, but is " + o);
    }
    return (Map<String, Object>) o;
  }

  /** {@code o} as a list of mappings; an absent list is empty. */
  public static List<Map<String, Object>> maps(Object o, String what) {
    if (o == null) {
      return List.of();
    }
    if (!(o instanceof List<?> list)) {
      throw new AssertionError(what + " should be a list, but is " + o);
    }
    List<Map<String, Object>> out = new ArrayList<>();
    for (Object e : list) {
      out.add(map(e, what + " element"));
    }
    return out;
  }

  /** {@code o} as a list of strings (scalars turned into their text). */
  public static List<String> strings(Object o) {
    if (!(o instanceof List<?> list)) {
      throw new AssertionError("expected a list of strings, got " + o);
    }
    return list.stream().map(String::valueOf).toList();
  }

  /** {@code o} as a string. */
  public static String str(Object o, String what) {
    if (!(o instanceof String s)) {
      throw new AssertionError(what + " should be a string, but is " + o);
    }
    return s;
  }

  /** A Kubernetes object's {@code metadata.name}. */
  public static String name(Map<String, Object> object) {
    return String.valueOf(map(object.get("metadata"), "metadata").get("name"));
  }

  /** A Kubernetes object's {@code spec}. */
  public static Map<String, Object> spec(Map<String, Object> object) {
    return map(object.get("spec"), object.get("kind") + " " + name(object) + " spec");
  }
}
