package io.tcpgate.config;

import io.tcpgate.admission.AccessRules;
import io.tcpgate.admission.AdmissionPolicy;
import io.tcpgate.admission.RateLimit;
import io.tcpgate.admission.RefuseAction;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads a listener's {@code admission} object into an {@link AdmissionPolicy}, each key falling back to
 * {@code defaults.admission}, and the top-level {@code admission} of the whole process.
 */
final class AdmissionConfig {

  static final Set<String> KEYS = Set.of("maxConnections", "maxConnectionsPerIp", "connectRatePerIp", "connectRate",
    "rules", "onRefuse", "maxTrackedIps");
  static final Set<String> RATE_KEYS = Set.of("perSecond", "burst");
  static final Set<String> PROCESS_KEYS = Set.of("maxConnections");

  private AdmissionConfig() {
  }

  /**
   * @param listener the listener's {@code admission} (empty when absent)
   * @param defaults {@code defaults.admission} (empty when absent)
   */
  static AdmissionPolicy fromJson(JsonObject listener, String path, JsonObject defaults) {
    JsonFields f = JsonFields.of(listener, path, KEYS);
    JsonFields d = JsonFields.of(defaults, "defaults.admission", KEYS);
    JsonFields rules = f.has("rules") ? f : d;
    JsonFields onRefuse = f.has("onRefuse") ? f : d;
    return new AdmissionPolicy(
      limit(f, d, "maxConnections"),
      limit(f, d, "maxConnectionsPerIp"),
      rate(f.has("connectRatePerIp") ? f : d, "connectRatePerIp"),
      rate(f.has("connectRate") ? f : d, "connectRate"),
      rules(rules, rules.array("rules")),
      onRefuse.choice("onRefuse", RefuseAction.RESET, RefuseAction.values(), RefuseAction::configName),
      f.intValue("maxTrackedIps", d.intValue("maxTrackedIps", AdmissionPolicy.DEFAULT_MAX_TRACKED_IPS, 1,
        1 << 24), 1, 1 << 24),
      null);
  }

  /** The top-level {@code admission}: the process's connection ceiling, {@link AdmissionPolicy#UNLIMITED} if none. */
  static int processMaxConnections(JsonObject json) {
    JsonFields f = JsonFields.of(json, "admission", PROCESS_KEYS);
    return f.intValue("maxConnections", AdmissionPolicy.UNLIMITED, 1, Integer.MAX_VALUE);
  }

  private static int limit(JsonFields f, JsonFields d, String key) {
    return f.intValue(key, d.intValue(key, AdmissionPolicy.UNLIMITED, 1, Integer.MAX_VALUE), 1, Integer.MAX_VALUE);
  }

  private static RateLimit rate(JsonFields owner, String key) {
    if (!owner.has(key)) {
      return null;
    }
    JsonFields r = JsonFields.of(owner.object(key), owner.child(key), RATE_KEYS);
    double perSecond = r.positiveNumber("perSecond");
    long burst = r.longValue("burst", -1, 1, Long.MAX_VALUE);
    if (burst < 0) {
      throw new ConfigException(r.child("burst"), "is required: the most connections let in at once (at least 1)");
    }
    return new RateLimit(perSecond, burst);
  }

  private static AccessRules rules(JsonFields owner, JsonArray json) {
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < json.size(); i++) {
      Object rule = json.getValue(i);
      if (!(rule instanceof String)) {
        throw new ConfigException(owner.child("rules") + "[" + i + "]", "must be a string such as \"deny"
          + " 10.9.0.0/16\" (got " + JsonFields.typeName(rule) + ")");
      }
      texts.add((String) rule);
    }
    try {
      return AccessRules.parse(texts);
    } catch (IllegalArgumentException e) {
      String message = e.getMessage();
      int close = message.indexOf("] ");
      throw new ConfigException(owner.child("rules") + message.substring(0, close + 1), message.substring(close + 2));
    }
  }
}
