package io.tcpgate.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/** Strict typed reads from one JSON object, naming the key path in every error. */
final class JsonFields {

  private final JsonObject json;
  private final String path;

  JsonFields(JsonObject json, String path, Set<String> allowedKeys) {
    this.json = json;
    this.path = path;
    for (String key : json.fieldNames()) {
      if (!allowedKeys.contains(key)) {
        ConfigProblems.report(new ConfigException(child(key), "unknown key (allowed here: " + String.join(", ",
          new TreeSet<>(allowedKeys)) + ")"));
      }
    }
  }

  static JsonFields of(Object value, String path, Set<String> allowedKeys) {
    if (!(value instanceof JsonObject)) {
      throw new ConfigException(path, "must be a JSON object (got " + typeName(value) + ")");
    }
    return new JsonFields((JsonObject) value, path, allowedKeys);
  }

  String child(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  boolean has(String key) {
    return json.containsKey(key) && json.getValue(key) != null;
  }

  String string(String key, String defaultValue) {
    Object value = json.getValue(key);
    if (value == null) {
      return defaultValue;
    }
    if (!(value instanceof String)) {
      throw new ConfigException(child(key), "must be a string (got " + typeName(value) + ")");
    }
    return (String) value;
  }

  String requiredString(String key) {
    String value = string(key, null);
    if (value == null || value.isBlank()) {
      throw new ConfigException(child(key), "is required and must be a non-empty string");
    }
    return value;
  }

  /**
   * Reads a string naming one of {@code values}; see {@link ConfigNames#lookup} for the rule and the error.
   * A missing or null key gives {@code defaultValue}.
   */
  <E> E choice(String key, E defaultValue, E[] values, Function<? super E, String> configName) {
    String name = string(key, null);
    return name == null ? defaultValue : ConfigNames.lookup(child(key), name, values, configName);
  }

  long longValue(String key, long defaultValue, long min, long max) {
    Object value = json.getValue(key);
    if (value == null) {
      return defaultValue;
    }
    if (!(value instanceof Number) || ((Number) value).doubleValue() != Math.rint(((Number) value).doubleValue())) {
      throw new ConfigException(child(key), "must be an integer (got " + typeName(value) + " " + value + ")");
    }
    long number = ((Number) value).longValue();
    if (number < min || number > max) {
      throw new ConfigException(child(key), describeRange(number, min, max) + " (got " + number + ")");
    }
    return number;
  }

  int intValue(String key, int defaultValue, int min, int max) {
    return (int) longValue(key, defaultValue, min, max);
  }

  /** A number, integer or not, between {@code min} and {@code max}; {@code defaultValue} when absent. */
  double doubleValue(String key, double defaultValue, double min, double max) {
    Object value = json.getValue(key);
    if (value == null) {
      return defaultValue;
    }
    if (!(value instanceof Number)) {
      throw new ConfigException(child(key), "must be a number (got " + typeName(value) + ")");
    }
    double number = ((Number) value).doubleValue();
    if (!(number >= min && number <= max)) {
      throw new ConfigException(child(key), "must be between " + min + " and " + max + " (got " + value + ")");
    }
    return number;
  }

  /** A required number &gt; 0, integer or not. */
  double positiveNumber(String key) {
    Object value = json.getValue(key);
    if (!(value instanceof Number)) {
      throw new ConfigException(child(key), value == null ? "is required and must be a number > 0"
        : "must be a number > 0 (got " + typeName(value) + ")");
    }
    double number = ((Number) value).doubleValue();
    if (!(number > 0) || Double.isInfinite(number)) {
      throw new ConfigException(child(key), "must be a number > 0 (got " + value + ")");
    }
    return number;
  }

  /** An array of strings; empty when the key is absent. */
  java.util.List<String> stringList(String key) {
    JsonArray array = array(key);
    java.util.List<String> strings = new java.util.ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      Object item = array.getValue(i);
      if (!(item instanceof String)) {
        throw new ConfigException(child(key) + "[" + i + "]", "must be a string (got " + typeName(item) + ")");
      }
      strings.add((String) item);
    }
    return strings;
  }

  boolean bool(String key, boolean defaultValue) {
    Object value = json.getValue(key);
    if (value == null) {
      return defaultValue;
    }
    if (!(value instanceof Boolean)) {
      throw new ConfigException(child(key), "must be true or false (got " + typeName(value) + ")");
    }
    return (Boolean) value;
  }

  JsonObject object(String key) {
    Object value = json.getValue(key);
    if (value == null) {
      return new JsonObject();
    }
    if (value instanceof Map) {
      return new JsonObject(castMap(value));
    }
    if (!(value instanceof JsonObject)) {
      throw new ConfigException(child(key), "must be a JSON object (got " + typeName(value) + ")");
    }
    return (JsonObject) value;
  }

  JsonArray array(String key) {
    Object value = json.getValue(key);
    if (value == null) {
      return new JsonArray();
    }
    if (!(value instanceof JsonArray)) {
      throw new ConfigException(child(key), "must be a JSON array (got " + typeName(value) + ")");
    }
    return (JsonArray) value;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> castMap(Object value) {
    return (Map<String, Object>) value;
  }

  private static String describeRange(long number, long min, long max) {
    boolean bounded = max < 1_000_000;
    if (number < min) {
      if (bounded && min == 0) {
        return "must be between " + min + " and " + max;
      }
      return min == 1 ? "must be > 0" : "must be >= " + min;
    }
    return bounded && min == 0 ? "must be between " + min + " and " + max : "must be <= " + max;
  }

  static String typeName(Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof String) {
      return "a string";
    }
    if (value instanceof Boolean) {
      return "a boolean";
    }
    if (value instanceof Number) {
      return "a number";
    }
    if (value instanceof JsonArray) {
      return "an array";
    }
    if (value instanceof JsonObject || value instanceof Map) {
      return "an object";
    }
    return value.getClass().getSimpleName();
  }
}
