package io.tcpgate.config;

import java.util.Set;
import java.util.TreeSet;

/** Every key name of the configuration schema, for case-insensitive environment overrides. */
final class KnownKeys {

  static final Set<String> ALL;

  static {
    Set<String> all = new TreeSet<>();
    all.addAll(GatewayConfig.KEYS);
    all.addAll(GatewayConfig.SHUTDOWN_KEYS);
    all.addAll(ListenerConfig.KEYS);
    all.addAll(ListenerConfig.DEFAULT_KEYS);
    all.addAll(FramingConfig.KEYS);
    all.addAll(WorkerConfig.KEYS);
    all.addAll(AdminConfig.KEYS);
    all.addAll(GatewayConfig.LOGGING_KEYS);
    all.addAll(ClusterConfig.KEYS);
    all.addAll(ClusterConfig.KUBERNETES_KEYS);
    all.addAll(AdmissionConfig.KEYS);
    all.addAll(AdmissionConfig.RATE_KEYS);
    all.addAll(ProxyProtocolConfig.KEYS);
    all.addAll(TlsConfig.KEYS);
    all.addAll(ConnectionAgeConfig.KEYS);
    all.addAll(OverloadConfig.KEYS);
    all.addAll(BridgeConfig.KEYS);
    all.addAll(ReloadConfig.KEYS);
    ALL = Set.copyOf(all);
  }

  private KnownKeys() {
  }
}
