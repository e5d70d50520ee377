package io.tcpgate.listener;

import io.tcpgate.admission.Admission;
import io.tcpgate.config.ListenerConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;

import java.util.List;

/**
 * A listener that is bound and accepting: it owns the listener's NetServer instances (one per event loop by default),
 * its admission, and the checks of its TLS files for new contents, which stop with it.
 */
public final class RunningListener {

  private final ListenerConfig config;
  private final int port;
  private final List<ListenerVerticle> instances;
  private final List<KernelSockets.Listening> kernel;
  private final String deploymentId;
  private final Admission admission;
  private final Runnable onStop;

  RunningListener(ListenerConfig config, int port, List<ListenerVerticle> instances,
                  List<KernelSockets.Listening> kernel, String deploymentId, Admission admission, Runnable onStop) {
    this.config = config;
    this.port = port;
    this.instances = List.copyOf(instances);
    this.kernel = List.copyOf(kernel);
    this.deploymentId = deploymentId;
    this.admission = admission;
    this.onStop = onStop;
  }

  /** The listener's admission: its counts of connections, per client address too. */
  public Admission admission() {
    return admission;
  }

  /** Its configuration. */
  public ListenerConfig config() {
    return config;
  }

  /** The port actually bound (the ephemeral one when configured as 0). */
  public int port() {
    return port;
  }

  /** How many NetServer instances share the port. */
  public int instances() {
    return instances.size();
  }

  /** The NetServer instances, one per event loop it runs on. */
  public List<NetServer> servers() {
    return instances.stream().map(ListenerVerticle::server).toList();
  }

  /** The listening sockets the kernel lists on that port (empty where /proc is not readable). */
  public List<KernelSockets.Listening> kernel() {
    return kernel;
  }

  /** {@code host:port} as bound. */
  public String address() {
    return config.hostAndPort(port);
  }

  /** Stops accepting and drains the listener's connections ({@code NetServer.shutdown} on every instance). */
  public Future<Void> stop(Vertx vertx) {
    onStop.run();
    return vertx.undeploy(deploymentId);
  }
}
