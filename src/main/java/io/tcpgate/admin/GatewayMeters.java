package io.tcpgate.admin;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.tcpgate.metrics.ListenerStats;
import io.tcpgate.metrics.ListenerStats.CloseReason;
import io.tcpgate.metrics.ListenerStats.Outcome;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

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
    String listener = stats.listener();
    Gauge.builder("tcpgate.connections.open", stats, ListenerStats::openConnections)
      .description("Connections open now").tag(LISTENER_TAG, listener).register(registry);
    FunctionCounter.builder("tcpgate.connections.accepted", stats, ListenerStats::accepted)
      .description("Connections accepted").tag(LISTENER_TAG, listener).register(registry);
    for (CloseReason reason : CloseReason.values()) {
      FunctionCounter.builder("tcpgate.connections.closed", stats, s -> s.closed(reason))
        .description("Connections closed, by reason").tag(LISTENER_TAG, listener).tag("reason", reason.tag())
        .register(registry);
    }
    FunctionCounter.builder("tcpgate.frames.in", stats, ListenerStats::framesIn)
      .description("Complete frames received").tag(LISTENER_TAG, listener).register(registry);
    FunctionCounter.builder("tcpgate.frames.out", stats, ListenerStats::framesOut)
      .description("Frames written back (replies and error replies)").tag(LISTENER_TAG, listener).register(registry);
    FunctionCounter.builder("tcpgate.received", stats, ListenerStats::bytesIn).baseUnit(BaseUnits.BYTES)
      .description("Bytes read from clients").tag(LISTENER_TAG, listener).register(registry);
    FunctionCounter.builder("tcpgate.sent", stats, ListenerStats::bytesOut).baseUnit(BaseUnits.BYTES)
      .description("Bytes written to clients").tag(LISTENER_TAG, listener).register(registry);
    for (Outcome outcome : Outcome.values()) {
      FunctionCounter.builder("tcpgate.replies", stats, s -> s.outcomes(outcome))
        .description("Frames settled, by outcome").tag(LISTENER_TAG, listener).tag("outcome", outcome.tag())
        .register(registry);
    }
    Gauge.builder("tcpgate.requests.in.flight", stats, ListenerStats::inFlight)
      .description("Event-bus requests awaiting their reply").tag(LISTENER_TAG, listener).register(registry);
    Gauge.builder("tcpgate.timers.pending", stats, ListenerStats::pendingTimers)
      .description("Connection deadline timers pending").tag(LISTENER_TAG, listener).register(registry);
    Gauge.builder("tcpgate.servers", stats, ListenerStats::servers)
      .description("NetServer instances listening").tag(LISTENER_TAG, listener).register(registry);
    FunctionCounter.builder("tcpgate.backpressure.pauses", stats, ListenerStats::pauses)
      .description("Times a connection stopped reading for backpressure").tag(LISTENER_TAG, listener)
      .register(registry);
    FunctionCounter.builder("tcpgate.accept.errors", stats, ListenerStats::acceptErrors)
      .description("Failed accepts (accepting continued)").tag(LISTENER_TAG, listener).register(registry);
    Timer latency = Timer.builder("tcpgate.request.latency")
      .description("From a frame complete to its reply written")
      .tag(LISTENER_TAG, listener)
      .publishPercentileHistogram()
      .minimumExpectedValue(Duration.ofMillis(1))
      .maximumExpectedValue(Duration.ofSeconds(30))
      .register(registry);
    stats.latencyRecorder(nanos -> latency.record(nanos, TimeUnit.NANOSECONDS));
  }
}
