package io.tcpgate.workers;

import io.tcpgate.config.WorkerConfig;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * Deploys the configured worker verticles: built-ins by short name ({@code echo}, {@code kv}), anything else by class
 * name or Vert.x verticle identifier, resolved on the classpath (so a user's jar next to tcpgate's works).
 */
public final class WorkerDeployer {

  /** Built-in name of {@link EchoWorker}. */
  public static final String ECHO = "echo";
  /** Built-in name of {@link KeyValueWorker}. */
  public static final String KEY_VALUE = "kv";

  private WorkerDeployer() {
  }

  /** Deploys one worker; the future carries the deployment id. */
  public static Future<String> deploy(Vertx vertx, WorkerConfig worker) {
    DeploymentOptions options = new DeploymentOptions()
      .setInstances(worker.instances())
      .setThreadingModel(worker.threading())
      .setConfig(worker.config().copy());
    switch (worker.verticle()) {
      case ECHO:
        return vertx.deployVerticle(EchoWorker::new, options);
      case KEY_VALUE:
        return vertx.deployVerticle(KeyValueWorker::new, options);
      default:
        return vertx.deployVerticle(worker.verticle(), options);
    }
  }
}
