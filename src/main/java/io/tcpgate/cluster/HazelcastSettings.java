package io.tcpgate.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.tcpgate.config.ClusterConfig;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;

/**
 * Hazelcast member configuration for a tcpgate node: Vert.x's defaults (its subscription multimap and maps), a
 * TCP-IP member list or Kubernetes discovery (multicast and auto-detection always off), no phone-home, SLF4J
 * logging, and a heartbeat timeout short enough that a dead worker node's consumers disappear quickly.
 */
public final class HazelcastSettings {

  /** Hazelcast cluster name: only tcpgate nodes join each other. */
  public static final String CLUSTER_NAME = "tcpgate";

  private HazelcastSettings() {
  }

  public static Config from(ClusterConfig cluster) {
    Config config = ConfigUtil.loadConfig();
    config.setClusterName(CLUSTER_NAME);
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.logging.type", "slf4j");
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    config.setProperty("hazelcast.max.no.heartbeat.seconds", Integer.toString(cluster.heartbeatTimeoutSeconds()));
    NetworkConfig network = config.getNetworkConfig();
    network.setPort(cluster.hazelcastPort()).setPortAutoIncrement(true).setPortCount(20);
    if (!"0.0.0.0".equals(cluster.host())) {
      network.getInterfaces().setEnabled(true).addInterface(cluster.host());
      config.setProperty("hazelcast.local.localAddress", cluster.host());
    }
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    if (cluster.kubernetes()) {
      join.getTcpIpConfig().setEnabled(false);
      join.getKubernetesConfig().setEnabled(true).setProperty("service-name", cluster.kubernetesServiceName());
      if (!cluster.kubernetesNamespace().isBlank()) {
        join.getKubernetesConfig().setProperty("namespace", cluster.kubernetesNamespace());
      }
    } else {
      join.getTcpIpConfig().setEnabled(true);
      if (cluster.members().isEmpty()) {
        join.getTcpIpConfig().addMember(cluster.host() + ":" + cluster.hazelcastPort());
      }
      cluster.members().forEach(member -> join.getTcpIpConfig().addMember(member));
    }
    return config;
  }
}
