package io.tcpgate.config;

import io.vertx.core.json.JsonArray;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Clustering on Vert.x's clustered event bus with the Hazelcast cluster manager. Off by default.
 *
 * @param enabled                 join a cluster
 * @param role                    what this node runs
 * @param host                    this node's event-bus address, reachable by the other nodes
 * @param port                    this node's event-bus port (0: any free port)
 * @param hazelcastPort           Hazelcast's member port (the next free one is taken if it is busy)
 * @param members                 TCP-IP join: {@code host:port} of other members (multicast is never used)
 * @param kubernetes              join through Hazelcast's Kubernetes discovery instead of the member list
 * @param kubernetesServiceName   the headless Service whose endpoints are the members
 * @param kubernetesNamespace     its namespace (empty: the pod's own)
 * @param heartbeatTimeoutSeconds a member silent this long is removed, and its consumers with it
 */
public record ClusterConfig(boolean enabled, Role role, String host, int port, int hazelcastPort, List<String> members,
                            boolean kubernetes, String kubernetesServiceName, String kubernetesNamespace,
                            int heartbeatTimeoutSeconds) {

  /** What a node runs. */
  public enum Role {
    /** Listeners only: frames go to workers elsewhere in the cluster. */
    GATEWAY,
    /** Worker verticles only. */
    WORKER,
    /** Both (the default, and the only sensible role without a cluster). */
    ALL;

    /**
     * Returns the name used in {@code cluster.role}, the only spelling accepted there.
     *
     * @return {@code gateway}, {@code worker} or {@code all}
     */
    public String configName() {
      return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Tells whether a node of this role binds the listeners.
     *
     * @return false for {@link #WORKER} only
     */
    public boolean runsListeners() {
      return this != WORKER;
    }

    /**
     * Tells whether a node of this role deploys the workers.
     *
     * @return false for {@link #GATEWAY} only
     */
    public boolean runsWorkers() {
      return this != GATEWAY;
    }
  }

  /** Hazelcast member port unless configured. */
  public static final int DEFAULT_HAZELCAST_PORT = 5701;
  /** Member failure detection unless configured. */
  public static final int DEFAULT_HEARTBEAT_TIMEOUT_SECONDS = 10;

  static final Set<String> KEYS = Set.of("enabled", "role", "host", "port", "hazelcastPort", "members", "kubernetes",
    "heartbeatTimeoutSeconds");
  static final Set<String> KUBERNETES_KEYS = Set.of("enabled", "serviceName", "namespace");

  /** No cluster: one process runs everything. */
  public static ClusterConfig standalone() {
    return new ClusterConfig(false, Role.ALL, "127.0.0.1", 0, DEFAULT_HAZELCAST_PORT, List.of(), false, "", "",
      DEFAULT_HEARTBEAT_TIMEOUT_SECONDS);
  }

  static ClusterConfig fromJson(Object value, String path) {
    JsonFields f = JsonFields.of(value, path, KEYS);
    Role role = f.choice("role", Role.ALL, Role.values(), Role::configName);
    String host = f.string("host", "127.0.0.1");
    ListenerConfig.parseLiteral(f.child("host"), host);
    List<String> members = new ArrayList<>();
    JsonArray array = f.array("members");
    for (int i = 0; i < array.size(); i++) {
      Object member = array.getValue(i);
      String memberPath = f.child("members") + "[" + i + "]";
      if (!(member instanceof String) || !((String) member).matches("[^\\s]+:\\d{1,5}")) {
        throw new ConfigException(memberPath, "must be \"host:port\" (got " + member + ")");
      }
      members.add((String) member);
    }
    JsonFields k8s = JsonFields.of(f.object("kubernetes"), f.child("kubernetes"), KUBERNETES_KEYS);
    boolean kubernetes = k8s.bool("enabled", false);
    String serviceName = k8s.string("serviceName", "");
    if (kubernetes && serviceName.isBlank()) {
      throw new ConfigException(k8s.child("serviceName"), "is required when Kubernetes discovery is enabled");
    }
    boolean enabled = f.bool("enabled", false);
    if (!enabled && role != Role.ALL) {
      throw new ConfigException(f.child("role"), "role " + role.configName() + " needs \"enabled\": true (without a"
        + " cluster one process must run both listeners and workers)");
    }
    return new ClusterConfig(enabled, role, host, f.intValue("port", 0, 0, 65535),
      f.intValue("hazelcastPort", DEFAULT_HAZELCAST_PORT, 1, 65535), List.copyOf(members), kubernetes, serviceName,
      k8s.string("namespace", ""),
      f.intValue("heartbeatTimeoutSeconds", DEFAULT_HEARTBEAT_TIMEOUT_SECONDS, 1, 3600));
  }
}
