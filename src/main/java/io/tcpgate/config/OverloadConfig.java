package io.tcpgate.config;

import io.vertx.core.json.JsonObject;

import java.util.Set;

/**
 * A listener's {@code overload} (inherited key by key from {@code defaults.overload}): when frames are refused with
 * {@code ERR busy} ("not processed, safe to retry") instead of queueing towards a timeout, and whether accepting
 * pauses while the listener is saturated.
 *
 * @param maxInFlight           frames of all the listener's connections awaiting their reply at once; beyond it a
 *                              new frame gets {@code ERR busy}. 0: no limit
 * @param maxEventLoopLagMs     a frame read while the connection's event loop runs this late gets {@code ERR busy};
 *                              0: not measured
 * @param stopAccepting         stop accepting connections (they wait in the kernel's backlog) while
 *                              {@code maxInFlight} frames are in flight, and resume below {@code resumeBelow}
 * @param resumeBelow           the in-flight count under which accepting resumes
 */
public record OverloadConfig(int maxInFlight, long maxEventLoopLagMs, boolean stopAccepting, int resumeBelow) {

  /** No overload protection beyond each connection's own {@code maxInFlight}. */
  public static final OverloadConfig OFF = new OverloadConfig(0, 0, false, 0);

  static final Set<String> KEYS = Set.of("maxInFlight", "maxEventLoopLagMs", "stopAccepting", "resumeAcceptingBelow");

  /** Whether any frame can be refused as busy by the listener-wide limit. */
  public boolean limitsInFlight() {
    return maxInFlight > 0;
  }

  static OverloadConfig fromJson(JsonObject listener, String path, JsonObject defaults) {
    JsonFields f = JsonFields.of(listener, path, KEYS);
    JsonFields d = JsonFields.of(defaults, "defaults.overload", KEYS);
    int max = f.intValue("maxInFlight", d.intValue("maxInFlight", 0, 1, 1 << 24), 1, 1 << 24);
    long lag = f.longValue("maxEventLoopLagMs", d.longValue("maxEventLoopLagMs", 0, 1, 60_000), 1, 60_000);
    boolean stop = f.bool("stopAccepting", d.bool("stopAccepting", false));
    if (stop && max == 0) {
      throw new ConfigException(f.child("stopAccepting"), "needs maxInFlight: accepting stops at that many frames"
        + " in flight");
    }
    int resume = f.intValue("resumeAcceptingBelow", d.intValue("resumeAcceptingBelow", Math.max(1, max * 9 / 10),
      1, 1 << 24), 1, 1 << 24);
    if (max > 0 && resume > max) {
      throw new ConfigException(f.child("resumeAcceptingBelow"), "must be <= maxInFlight (" + max + ")");
    }
    return new OverloadConfig(max, lag, stop, resume);
  }
}
