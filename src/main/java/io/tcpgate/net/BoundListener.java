package io.tcpgate.net;

import io.tcpgate.config.ListenerConfig;

import java.util.List;

/**
 * A listener that is bound and accepting.
 *
 * @param config       its configuration
 * @param port         the port actually bound (the ephemeral one when configured as 0)
 * @param instances    how many NetServer instances share it
 * @param kernel       the listening sockets the kernel lists on that port (empty where /proc is not readable)
 * @param deploymentId the Vert.x deployment of its instances
 */
public record BoundListener(ListenerConfig config, int port, int instances, List<KernelSockets.Listening> kernel,
                            String deploymentId) {

  /** {@code host:port} as bound. */
  public String address() {
    return config.hostAndPort(port);
  }
}
