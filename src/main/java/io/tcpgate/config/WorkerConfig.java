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
  private static final ThreadingModel[] THREADING = {ThreadingModel.WORKER, ThreadingModel.EVENT_LOOP,
    ThreadingModel.VIRTUAL_THREAD};

  static WorkerConfig fromJson(Object value, String path) {
    JsonFields f = JsonFields.of(value, path, KEYS);
    String verticle = f.requiredString("verticle");
    int instances = f.intValue("instances", DEFAULT_INSTANCES, 1, 1024);
    ThreadingModel threading = f.choice("threading", ThreadingModel.WORKER, THREADING, WorkerConfig::threadingName);
    if (threading == ThreadingModel.VIRTUAL_THREAD && Runtime.version().feature() < 21) {
      throw new ConfigException(f.child("threading"), "virtual-thread needs Java 21 or newer (this JVM is "
        + Runtime.version().feature() + ")");
    }
    return new WorkerConfig(verticle, instances, threading, f.object("config").copy());
  }

  /** The configuration name of a threading model this configuration offers. */
  private static String threadingName(ThreadingModel threading) {
    switch (threading) {
      case WORKER:
        return "worker";
      case EVENT_LOOP:
        return "event-loop";
      case VIRTUAL_THREAD:
        return "virtual-thread";
      default:
        throw new IllegalArgumentException("no configuration name for threading " + threading);
    }
  }
}
