package io.tcpgate.config;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Applies environment variables and system properties on top of the file configuration.
 * <ul>
 *   <li>System property {@code tcpgate.listeners.0.port=7100} sets {@code listeners[0].port}.</li>
 *   <li>Environment variable {@code TCPGATE_LISTENERS_0_PORT=7100} does the same; each {@code _}-separated part
 *       matches a key case-insensitively, so {@code TCPGATE_DEFAULTS_REQUESTTIMEOUTMS} sets
 *       {@code defaults.requestTimeoutMs}.</li>
 * </ul>
 * Values are read as JSON when they parse as JSON ({@code 7100}, {@code true}, {@code {"a":1}}), else as strings.
 * System properties win over environment variables, which win over the file.
 * Variables Kubernetes injects for Services (service links such as {@code TCPGATE_SERVICE_HOST},
 * {@code TCPGATE_ADMIN_PORT_9090_TCP_ADDR}) are not overrides and are ignored.
 */
public final class ConfigOverrides {

  /** Prefix of overriding system properties. */
  public static final String PROPERTY_PREFIX = "tcpgate.";
  /** Prefix of overriding environment variables. */
  public static final String ENV_PREFIX = "TCPGATE_";

  private ConfigOverrides() {
  }

  /** Returns a copy of {@code file} with the overrides found in {@code env} and {@code properties} applied. */
  public static JsonObject apply(JsonObject file, Map<String, ?> env, Map<String, ?> properties) {
    JsonObject result = file.copy();
    for (Map.Entry<String, ?> e : new TreeMap<>(env).entrySet()) {
      if (e.getKey().startsWith(ENV_PREFIX) && e.getKey().length() > ENV_PREFIX.length()
        && !isServiceLink(e.getKey(), String.valueOf(e.getValue()))) {
        String[] parts = e.getKey().substring(ENV_PREFIX.length()).split("_");
        set(result, parts, String.valueOf(e.getValue()), e.getKey(), true);
      }
    }
    for (Map.Entry<String, ?> e : new TreeMap<>(properties).entrySet()) {
      if (e.getKey().startsWith(PROPERTY_PREFIX) && e.getKey().length() > PROPERTY_PREFIX.length()) {
        String[] parts = e.getKey().substring(PROPERTY_PREFIX.length()).split("\\.");
        set(result, parts, String.valueOf(e.getValue()), e.getKey(), false);
      }
    }
    return result;
  }

  private static final Pattern SERVICE_LINK = Pattern.compile(
    ".*_SERVICE_HOST|.*_SERVICE_PORT(_[A-Z0-9_]+)?|.*_PORT_\\d+_(TCP|UDP|SCTP)(_PROTO|_PORT|_ADDR)?");

  /** A variable Kubernetes sets for a Service whose name starts with {@code tcpgate}. */
  static boolean isServiceLink(String name, String value) {
    return SERVICE_LINK.matcher(name).matches()
      || (name.endsWith("_PORT") && value.matches("(tcp|udp|sctp)://.*"));
  }

  private static void set(JsonObject root, String[] parts, String raw, String source, boolean caseInsensitive) {
    Object container = root;
    StringBuilder path = new StringBuilder();
    boolean freeForm = false;
    for (int i = 0; i < parts.length; i++) {
      String part = parts[i];
      boolean last = i == parts.length - 1;
      if (container instanceof JsonObject) {
        JsonObject object = (JsonObject) container;
        String key = caseInsensitive ? matchKey(object, part) : part;
        path.append(path.length() == 0 ? "" : ".").append(key);
        if (!freeForm && !object.containsKey(key) && !KnownKeys.ALL.contains(key)) {
          throw new ConfigException(path.toString(), unknownKey(source, part, caseInsensitive));
        }
        freeForm |= key.equals(FREE_FORM);
        if (last) {
          object.put(key, parseValue(raw));
          return;
        }
        Object next = object.getValue(key);
        if (next == null) {
          next = isIndex(parts[i + 1]) ? new JsonArray() : new JsonObject();
          object.put(key, next);
        }
        container = next;
      } else if (container instanceof JsonArray) {
        JsonArray array = (JsonArray) container;
        if (!isIndex(part) || Integer.parseInt(part) >= array.size()) {
          throw new ConfigException(path + "[" + part + "]", "override " + source + " names no existing element"
            + " (the array has " + array.size() + ")");
        }
        int index = Integer.parseInt(part);
        path.append('[').append(index).append(']');
        if (last) {
          array.set(index, parseValue(raw));
          return;
        }
        container = array.getValue(index);
      } else {
        throw new ConfigException(path.toString(), "override " + source + " goes inside a value that is not an"
          + " object or array");
      }
    }
  }

  /** A worker's {@code config}: its keys are the worker's own, not tcpgate's. */
  private static final String FREE_FORM = "config";

  private static String unknownKey(String source, String part, boolean environment) {
    String suggestion = closestKey(part);
    String hint = suggestion == null ? "" : " (did you mean '" + suggestion + "'?)";
    if (environment) {
      return "environment variable " + source + ": '" + part + "' is not a configuration key" + hint + ". Every "
        + ENV_PREFIX + "* variable is read as a configuration override: rename it, or remove it from the"
        + " environment";
    }
    return "override -D" + source + ": '" + part + "' is not a configuration key" + hint;
  }

  /** The known key nearest to {@code part} (case-insensitive edit distance of at most 2), or {@code null}. */
  static String closestKey(String part) {
    String best = null;
    int bestDistance = 3;
    String wanted = part.toLowerCase(Locale.ROOT);
    for (String key : KnownKeys.ALL) {
      int distance = editDistance(wanted, key.toLowerCase(Locale.ROOT));
      if (distance < bestDistance) {
        best = key;
        bestDistance = distance;
      }
    }
    return best;
  }

  private static int editDistance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }

  private static String matchKey(JsonObject object, String part) {
    for (String key : object.fieldNames()) {
      if (key.equalsIgnoreCase(part)) {
        return key;
      }
    }
    for (String key : KnownKeys.ALL) {
      if (key.equalsIgnoreCase(part)) {
        return key;
      }
    }
    return part.toLowerCase(Locale.ROOT);
  }

  private static boolean isIndex(String part) {
    return !part.isEmpty() && part.chars().allMatch(Character::isDigit);
  }

  private static Object parseValue(String raw) {
    try {
      Object value = Json.decodeValue(raw);
      return value == null ? raw : value;
    } catch (DecodeException e) {
      return raw;
    }
  }
}
