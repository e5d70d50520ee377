package io.tcpgate.connection;

import io.tcpgate.bus.GatewayHeaders;
import io.tcpgate.metrics.ListenerStats.CloseReason;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * What one connection tells the world about itself: its DEBUG and WARN lines (with its id, listener and client
 * address as structured fields, {@link ConnectionLogFields}), its access-log line when it closes, and its lifecycle
 * events on {@link GatewayHeaders#EVENTS_ADDRESS}.
 */
final class ConnectionLog {

  private static final Logger LOG = LoggerFactory.getLogger(Connection.class);
  /**
   * The access log: one line per closed connection, at INFO, in a logger of its own so that it can be routed or
   * turned off ({@code <logger name="tcpgate.access" level="OFF"/>}).
   */
  private static final Logger ACCESS = LoggerFactory.getLogger("tcpgate.access");

  /** A closed connection's books, for its access-log line. */
  record Totals(long durationMs, long framesIn, long framesOut, long bytesIn, long bytesOut, int abandoned) {
  }

  private final EventBus bus;
  private final String id;
  private final String listener;
  private final ClientIdentity client;

  ConnectionLog(EventBus bus, String id, String listener, ClientIdentity client) {
    this.bus = bus;
    this.id = id;
    this.listener = listener;
    this.client = client;
  }

  /** A DEBUG line about this connection. */
  LoggingEventBuilder debug() {
    return withFields(LOG.atDebug());
  }

  /** A WARN line about this connection. */
  LoggingEventBuilder warn() {
    return withFields(LOG.atWarn());
  }

  private LoggingEventBuilder withFields(LoggingEventBuilder line) {
    return line.addKeyValue(ConnectionLogFields.CONNECTION_ID, id)
      .addKeyValue(ConnectionLogFields.LISTENER, listener)
      .addKeyValue(ConnectionLogFields.CLIENT_ADDRESS, client.remote());
  }

  /** The connection was accepted: its DEBUG line and its {@code connected} event. */
  void connected() {
    debug().log("[c-{}] {} connected to '{}' on {}{}", id, client.remote(), listener, client.local(),
      client.peer() == null ? "" : " via " + client.peer());
    publish("connected", null);
  }

  /** The connection closed: its DEBUG line, its access-log line and its {@code closed} event. */
  void closed(CloseReason reason, Totals totals) {
    debug().log("[c-{}] closed ({}), {} replies abandoned", id, reason.tag(), totals.abandoned());
    if (ACCESS.isInfoEnabled()) {
      String peer = client.peer() == null ? "-" : client.peer();
      ACCESS.atInfo()
        .addKeyValue(ConnectionLogFields.LISTENER, listener)
        .addKeyValue(ConnectionLogFields.CONNECTION_ID, id)
        .addKeyValue(ConnectionLogFields.CLIENT_ADDRESS, client.remote())
        .addKeyValue(ConnectionLogFields.PEER_ADDRESS, peer)
        .addKeyValue(ConnectionLogFields.DURATION_MS, totals.durationMs())
        .addKeyValue(ConnectionLogFields.FRAMES_IN, totals.framesIn())
        .addKeyValue(ConnectionLogFields.FRAMES_OUT, totals.framesOut())
        .addKeyValue(ConnectionLogFields.BYTES_IN, totals.bytesIn())
        .addKeyValue(ConnectionLogFields.BYTES_OUT, totals.bytesOut())
        .addKeyValue(ConnectionLogFields.ABANDONED, totals.abandoned())
        .addKeyValue(ConnectionLogFields.CLOSE_REASON, reason.tag())
        .log("listener={} connection={} remote={} peer={} duration_ms={} frames_in={} frames_out={} bytes_in={}"
            + " bytes_out={} abandoned={} reason={}", listener, id, client.remote(), peer, totals.durationMs(),
          totals.framesIn(), totals.framesOut(), totals.bytesIn(), totals.bytesOut(), totals.abandoned(),
          reason.tag());
    }
    publish("closed", reason);
  }

  private void publish(String event, CloseReason reason) {
    JsonObject json = new JsonObject()
      .put("event", event)
      .put("connectionId", id)
      .put("listener", listener)
      .put("remoteAddress", client.remote())
      .put("localAddress", client.local())
      .put("node", ConnectionIds.node())
      .put("timestamp", System.currentTimeMillis());
    if (client.peer() != null) {
      json.put("peerAddress", client.peer());
    }
    if (client.subject() != null) {
      json.put("peerSubject", client.subject());
    }
    if (client.sni() != null) {
      json.put("sni", client.sni());
    }
    if (reason != null) {
      json.put("reason", reason.tag());
    }
    bus.publish(GatewayHeaders.EVENTS_ADDRESS, json);
  }
}
