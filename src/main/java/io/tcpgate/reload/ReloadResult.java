package io.tcpgate.reload;

import java.util.List;

/**
 * The outcome of one reload.
 *
 * @param outcome    applied, unchanged or rejected
 * @param generation the generation in force afterwards
 * @param changes    the changes applied, one line each (empty unless applied)
 * @param error      why it was rejected, starting with the key path ({@code null} unless rejected)
 */
public record ReloadResult(Outcome outcome, long generation, List<String> changes, String error) {

  /** What became of a reload; the tag is the {@code result} label of {@code tcpgate_config_reloads_total}. */
  public enum Outcome {
    /** The new configuration is in force. */
    APPLIED("applied"),
    /** The configuration read was valid and the same as the one in force: nothing to do. */
    UNCHANGED("unchanged"),
    /** Invalid, impossible without a restart, or failed to bind: the configuration in force stays. */
    REJECTED("rejected");

    private final String tag;

    Outcome(String tag) {
      this.tag = tag;
    }

    public String tag() {
      return tag;
    }
  }
}
