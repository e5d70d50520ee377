package io.tcpgate.config;

import io.vertx.core.ThreadingModel;
import io.vertx.core.json.JsonObject;

import java.util.Set;

/**
 * A verticle to deploy beside the listeners.
 *
 * @param verticle  a built-in name ({@code echo}, {@code kv}), a class name, or a Vert.x verticle identifier
 * @param instances how many instances to deploy
 * @param threading the threading model its instances run on
 * @param config    the verticle's own configuration ({@code config()} inside the verticle)
 */
public record WorkerConfig(String verticle, int instances, ThreadingModel threading, JsonObject config) {

  /** Instances unless configured. */
  public static final int DEFAULT_INSTANCES = 1;

  static final Set<String> KEYS = Set.of("verticle", "instances", "threading", "config");

  static WorkerConfig fromJson(Object value, String path) {
    JsonFields f = JsonFields.of(value, path, KEYS);
    String verticle = f.requiredString("verticle");
    int instances = f.intValue("instances", DEFAULT_INSTANCES, 1, 1024);
    String threadingName = f.string("threading", "worker");
    ThreadingModel threading;
    switch (threadingName) {
      case "worker":
        threading = ThreadingModel.WORKER;
        break;
      case "event-loop":
        threading = ThreadingModel.EVENT_LOOP;
        break;
      case "virtual-thread":
        if (Runtime.version().feature() < 21) {
          throw new ConfigException(f.child("threading"), "virtual-thread needs Java 21 or newer (this JVM is "
            + Runtime.version().feature() + ")");
        }
        threading = ThreadingModel.VIRTUAL_THREAD;
        break;
      default:
        throw new ConfigException(f.child("threading"), "must be \"worker\", \"event-loop\" or \"virtual-thread\""
          + " (got \"" + threadingName + "\")");
    }
    return new WorkerConfig(verticle, instances, threading, f.object("config").copy());
  }
}
