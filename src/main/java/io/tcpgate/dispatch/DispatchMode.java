package io.tcpgate.dispatch;

/**
 * How a listener's frames reach its workers ({@code "dispatch"} in a listener's configuration). Replies are written
 * in the order of the frames in every mode; the modes differ in the order the frames are <em>processed</em> in.
 */
public enum DispatchMode {

  /**
   * The default: a connection's frames are processed one after another, in arrival order, whichever consumer
   * answers, local or on another cluster node. The next frame goes out when the previous one is answered (reply,
   * error or timeout); frames read meanwhile wait in the connection's window ({@code maxInFlight}).
   */
  ORDERED("ordered"),

  /**
   * Each connection is served by one worker instance for its whole life, preferably the one on the connection's
   * own event loop, so its frames are processed in order while still pipelined. Workers opt in with
   * {@link io.tcpgate.bus.PinnedConsumer}; where no instance in this JVM did (a gateway-only cluster node), the
   * connection falls back to {@link #ORDERED}.
   */
  PINNED("pinned"),

  /**
   * Any consumer, concurrently: for stateless workers. Replies still leave in the order of the frames, but two
   * frames of one connection may be processed at the same time, or out of order.
   */
  PARALLEL("parallel");

  private final String configName;

  DispatchMode(String configName) {
    this.configName = configName;
  }

  /** The name used in the configuration. */
  public String configName() {
    return configName;
  }
}
