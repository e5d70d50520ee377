package io.tcpgate.reload;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/** Where a reload reads the configuration: the file with every override applied, as at startup. */
@FunctionalInterface
public interface ConfigSource {

  /** The merged configuration, not yet validated; fails when the file cannot be read or parsed. */
  Future<JsonObject> load();
}
