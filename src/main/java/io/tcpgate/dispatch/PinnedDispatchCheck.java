package io.tcpgate.dispatch;

import io.tcpgate.bus.PinnedInstances;
import io.tcpgate.config.ConfigException;
import io.tcpgate.config.GatewayConfig;
import io.tcpgate.config.ListenerConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Checks, once the workers are deployed and before any listener binds, that every {@code pinned} listener has worker
 * instances to pin to. Standalone, a pinned listener whose address no {@link io.tcpgate.bus.PinnedConsumer} serves
 * is a configuration error: its connections could never be pinned. On a cluster node, workers in other JVMs cannot
 * be pinned to; such a listener's connections fall back to {@code ordered}, which this logs once at startup.
 */
public final class PinnedDispatchCheck {

  private static final Logger LOG = LoggerFactory.getLogger(PinnedDispatchCheck.class);

  private PinnedDispatchCheck() {
  }

  /** Fails with a {@link ConfigException} naming the listener's {@code dispatch} key when a check fails. */
  public static Future<Void> check(Vertx vertx, GatewayConfig config, PinnedInstances instances) {
    List<ListenerConfig> listeners = config.listeners();
    for (int i = 0; i < listeners.size(); i++) {
      ListenerConfig listener = listeners.get(i);
      if (listener.dispatch() != DispatchMode.PINNED || !listener.reply()
        || !config.boundListeners().contains(listener) || instances.serves(listener.address())) {
        continue;
      }
      if (vertx.isClustered()) {
        LOG.warn("listener '{}': dispatch pinned, but no worker in this process serves '{}'; its connections send"
          + " one frame at a time (ordered) to the address's consumers on other nodes", listener.name(),
          listener.address());
        continue;
      }
      return Future.failedFuture(new ConfigException("listeners[" + i + "].dispatch", "pinned needs a worker in"
        + " this process that registers '" + listener.address() + "' with PinnedConsumer (the built-in echo and kv"
        + " do), and none does; deploy one or use \"ordered\""));
    }
    return Future.succeededFuture();
  }
}
