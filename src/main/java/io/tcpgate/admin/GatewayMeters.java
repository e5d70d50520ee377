package io.tcpgate.admin;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.tcpgate.admission.RefusalReason;
import io.tcpgate.metrics.BridgeStats;
import io.tcpgate.metrics.ListenerStats;
import io.tcpgate.metrics.ListenerStats.CloseReason;
import io.tcpgate.metrics.ListenerStats.Outcome;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Publishes a listener's books as Micrometer meters, tagged by listener only (never by connection or client
 * address, so cardinality stays bounded). The meters read the live counters; nothing is counted twice.
 */
public final class GatewayMeters {

  /** Tag naming the listener. */
  public static final String LISTENER_TAG = "listener";

  private GatewayMeters() {
  }

  /** Registers every tcpgate meter of {@code stats} in {@code registry}. */
  public static void bind(MeterRegistry registry, ListenerStats stats) {
    Tags tags = Tags.of(LISTENER_TAG, stats.listener());
    gauge(registry, "tcpgate.connections.open", "Connections open now", stats, ListenerStats::openConnections, tags);
    counter(registry, "tcpgate.connections.accepted", "Connections accepted", null, stats, ListenerStats::accepted,
      tags);
    for (CloseReason reason : CloseReason.values()) {
      counter(registry, "tcpgate.connections.closed", "Connections closed, by reason", null, stats,
        s -> s.closed(reason), tags.and("reason", reason.tag()));
    }
    for (RefusalReason reason : RefusalReason.values()) {
      counter(registry, "tcpgate.connections.refused", "Connections refused before they became connections, by"
        + " reason", null, stats, s -> s.refusals(reason), tags.and("reason", reason.tag()));
    }
    counter(registry, "tcpgate.frames.in", "Complete frames received", null, stats, ListenerStats::framesIn, tags);
    counter(registry, "tcpgate.frames.out", "Frames written back (replies and error replies)", null, stats,
      ListenerStats::framesOut, tags);
    counter(registry, "tcpgate.received", "Bytes read from clients", BaseUnits.BYTES, stats, ListenerStats::bytesIn,
      tags);
    counter(registry, "tcpgate.sent", "Bytes written to clients", BaseUnits.BYTES, stats, ListenerStats::bytesOut,
      tags);
    for (Outcome outcome : Outcome.values()) {
      counter(registry, "tcpgate.replies", "Frames settled, by outcome", null, stats, s -> s.outcomes(outcome),
        tags.and("outcome", outcome.tag()));
    }
    gauge(registry, "tcpgate.requests.in.flight", "Event-bus requests awaiting their reply", stats,
      ListenerStats::inFlight, tags);
    gauge(registry, "tcpgate.timers.pending", "Connection deadline timers pending", stats,
      ListenerStats::pendingTimers, tags);
    gauge(registry, "tcpgate.servers", "NetServer instances listening", stats, ListenerStats::servers, tags);
    counter(registry, "tcpgate.backpressure.pauses", "Times a connection stopped reading for backpressure", null,
      stats, ListenerStats::pauses, tags);
    gauge(registry, "tcpgate.accept.paused", "1 while accepting is stopped because the listener is saturated"
      + " (overload.stopAccepting)", stats, s -> s.acceptPaused() ? 1 : 0, tags);
    counter(registry, "tcpgate.accept.errors", "Failed accepts (accepting continued)", null, stats,
      ListenerStats::acceptErrors, tags);
    if (stats.hasCertificate()) {
      counter(registry, "tcpgate.tls.reloads", "Checks that found new TLS files, by result", null, stats,
        s -> s.tlsReloads(true), tags.and("result", "applied"));
      counter(registry, "tcpgate.tls.reloads", "Checks that found new TLS files, by result", null, stats,
        s -> s.tlsReloads(false), tags.and("result", "rejected"));
      Gauge.builder("tcpgate.tls.certificate.expiry", stats, ListenerStats::certificateExpirySeconds)
        .description("Seconds until the certificate new connections get expires (negative once it has)")
        .baseUnit("seconds")
        .tags(tags)
        .register(registry);
    }
    Timer latency = Timer.builder("tcpgate.request.latency")
      .description("From a frame complete to its reply written")
      .tags(tags)
      .publishPercentileHistogram()
      .minimumExpectedValue(Duration.ofMillis(1))
      .maximumExpectedValue(Duration.ofSeconds(30))
      .register(registry);
    stats.latencyRecorder(nanos -> latency.record(nanos, TimeUnit.NANOSECONDS));
  }

  /** Registers the bridge's meters ({@code tcpgate_bridge_*}) in {@code registry}. */
  public static void bind(MeterRegistry registry, BridgeStats stats) {
    Tags tags = Tags.empty();
    gauge(registry, "tcpgate.bridge.connections.open", "Bridge clients connected now", stats,
      BridgeStats::openConnections, tags);
    counter(registry, "tcpgate.bridge.connections.accepted", "Bridge clients accepted", null, stats,
      BridgeStats::accepted, tags);
    counter(registry, "tcpgate.bridge.frames.in", "Frames received from bridge clients", null, stats,
      BridgeStats::framesIn, tags);
    counter(registry, "tcpgate.bridge.frames.out", "Frames written to bridge clients", null, stats,
      BridgeStats::framesOut, tags);
    counter(registry, "tcpgate.bridge.received", "Bytes read from bridge clients", BaseUnits.BYTES, stats,
      BridgeStats::bytesIn, tags);
    counter(registry, "tcpgate.bridge.sent", "Bytes written to bridge clients", BaseUnits.BYTES, stats,
      BridgeStats::bytesOut, tags);
    gauge(registry, "tcpgate.bridge.registrations", "Addresses bridge clients are registered for", stats,
      BridgeStats::registrations, tags);
    gauge(registry, "tcpgate.bridge.pending.replies", "Requests bridge clients hold without a reply yet", stats,
      BridgeStats::pendingReplies, tags);
    counter(registry, "tcpgate.bridge.refused", "Requests failed at once: the bridge client did not read or held"
      + " too many", null, stats, BridgeStats::refusedRequests, tags);
    counter(registry, "tcpgate.bridge.dropped", "Messages without reply not written to a bridge client that did not"
      + " read", null, stats, BridgeStats::droppedMessages, tags);
    for (BridgeStats.Error error : BridgeStats.Error.values()) {
      counter(registry, "tcpgate.bridge.errors", "Bad frames from bridge clients, by kind", null, stats,
        s -> s.errors(error), tags.and("kind", error.tag()));
    }
  }

  private static <T> void counter(MeterRegistry registry, String name, String description, String baseUnit,
                                  T stats, ToDoubleFunction<T> count, Tags tags) {
    FunctionCounter.builder(name, stats, count).description(description).baseUnit(baseUnit).tags(tags)
      .register(registry);
  }

  private static <T> void gauge(MeterRegistry registry, String name, String description, T stats,
                                ToDoubleFunction<T> value, Tags tags) {
    Gauge.builder(name, stats, value).description(description).tags(tags).register(registry);
  }
}
