package io.tcpgate.config;

import java.util.Set;

/**
 * Live reload of the configuration file (top-level {@code reload}). {@code SIGHUP} always reloads; with
 * {@code checkMs} the file (and the system properties) are also read every {@code checkMs} and reloaded when the
 * result differs, which is how a Kubernetes ConfigMap update (a new file behind a symlink) arrives.
 *
 * @param checkMs how often to read the configuration for changes; {@code 0} (the default) for never
 */
public record ReloadConfig(long checkMs) {

  static final Set<String> KEYS = Set.of("checkMs");

  /** No file checks: reload on SIGHUP only. */
  public static final ReloadConfig SIGNAL_ONLY = new ReloadConfig(0);

  static ReloadConfig fromJson(Object value, String path) {
    JsonFields f = JsonFields.of(value, path, KEYS);
    long checkMs = f.longValue("checkMs", 0, 0, Long.MAX_VALUE);
    if (checkMs > 0 && checkMs < 100) {
      throw new ConfigException(f.child("checkMs"), "must be 0 (off) or at least 100 (got " + checkMs + ")");
    }
    return new ReloadConfig(checkMs);
  }
}
