package io.tcpgate.metrics;

import io.tcpgate.admission.RefusalReason;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;

/**
 * Live counts of one listener, shared by all of its NetServer instances (so thread-safe).
 * These are the gateway's own books: tests read them to prove nothing leaked, and the metrics exporter
 * publishes them.
 */
public final class ListenerStats {

  /** Why a connection ended. */
  public enum CloseReason {
    CLIENT("client"), RESET("reset"), IDLE_TIMEOUT("idle-timeout"), FRAME_TIMEOUT("frame-timeout"),
    FRAME_TOO_LARGE("frame-too-large"), BAD_FRAME("bad-frame"), SERVER("server"), SHUTDOWN("shutdown"),
    ERROR("error"), MAX_AGE("max-age"), MAX_AGE_FORCED("max-age-forced");

    private final String tag;

    CloseReason(String tag) {
      this.tag = tag;
    }

    /** The metric tag value. */
    public String tag() {
      return tag;
    }
  }

  /** How a frame's reply slot was settled. */
  public enum Outcome {
    OK("ok"), TIMEOUT("timeout"), NO_HANDLER("no-handler"), WORKER_FAILED("worker-failed"), BAD_JSON("bad-json"),
    SHUTTING_DOWN("shutting-down"), SENT("sent"), ABANDONED("abandoned"), BUSY("busy");

    private final String tag;

    Outcome(String tag) {
      this.tag = tag;
    }

    /** The metric tag value. */
    public String tag() {
      return tag;
    }
  }

  private final String listener;
  private final AtomicLong servers = new AtomicLong();
  private final AtomicLong openConnections = new AtomicLong();
  private final AtomicLong inFlight = new AtomicLong();
  private final AtomicLong pendingTimers = new AtomicLong();
  private final LongAdder accepted = new LongAdder();
  private final LongAdder acceptErrors = new LongAdder();
  private final LongAdder framesIn = new LongAdder();
  private final LongAdder framesOut = new LongAdder();
  private final LongAdder bytesIn = new LongAdder();
  private final LongAdder bytesOut = new LongAdder();
  private final LongAdder pauses = new LongAdder();
  private final LongAdder drained = new LongAdder();
  private final Map<CloseReason, LongAdder> closed = new EnumMap<>(CloseReason.class);
  private final Map<Outcome, LongAdder> outcomes = new EnumMap<>(Outcome.class);
  private final Map<RefusalReason, LongAdder> refused = new EnumMap<>(RefusalReason.class);
  private final LongAdder tlsReloadsApplied = new LongAdder();
  private final LongAdder tlsReloadsRejected = new LongAdder();
  private volatile long certificateNotAfterMillis = Long.MIN_VALUE;
  private volatile boolean acceptPaused;
  private volatile LongConsumer latencyRecorder = nanos -> { };

  public ListenerStats(String listener) {
    this.listener = listener;
    for (CloseReason reason : CloseReason.values()) {
      closed.put(reason, new LongAdder());
    }
    for (Outcome outcome : Outcome.values()) {
      outcomes.put(outcome, new LongAdder());
    }
    for (RefusalReason reason : RefusalReason.values()) {
      refused.put(reason, new LongAdder());
    }
  }

  /** A connection was refused before it became a connection (it never counts as accepted). */
  public void refused(RefusalReason reason) {
    refused.get(reason).increment();
  }

  public long refusals(RefusalReason reason) {
    return refused.get(reason).sum();
  }

  /** Every refusal, whatever the reason. */
  public long refusals() {
    long sum = 0;
    for (LongAdder adder : refused.values()) {
      sum += adder.sum();
    }
    return sum;
  }

  /** Accepting stopped ({@code overload.stopAccepting}) or resumed. */
  public void acceptPaused(boolean paused) {
    acceptPaused = paused;
  }

  /** Whether accepting is stopped because the listener is saturated. */
  public boolean acceptPaused() {
    return acceptPaused;
  }

  /** New TLS files were checked: applied, or rejected with the previous ones kept. */
  public void tlsReload(boolean applied) {
    (applied ? tlsReloadsApplied : tlsReloadsRejected).increment();
  }

  public long tlsReloads(boolean applied) {
    return (applied ? tlsReloadsApplied : tlsReloadsRejected).sum();
  }

  /** The end of the validity of the certificate new connections get, epoch milliseconds. */
  public void certificateNotAfter(long epochMillis) {
    certificateNotAfterMillis = epochMillis;
  }

  /** Whether the listener serves TLS (a certificate was loaded). */
  public boolean hasCertificate() {
    return certificateNotAfterMillis != Long.MIN_VALUE;
  }

  /** Seconds until the served certificate expires (negative once it has), or NaN without TLS. */
  public double certificateExpirySeconds() {
    long notAfter = certificateNotAfterMillis;
    return notAfter == Long.MIN_VALUE ? Double.NaN : (notAfter - System.currentTimeMillis()) / 1000.0;
  }

  public String listener() {
    return listener;
  }

  /** A NetServer instance of this listener is listening. */
  public void serverStarted() {
    servers.incrementAndGet();
  }

  /** A NetServer instance of this listener has stopped. */
  public void serverStopped() {
    servers.decrementAndGet();
  }

  /** NetServer instances currently listening. */
  public long servers() {
    return servers.get();
  }

  public void connectionOpened() {
    accepted.increment();
    openConnections.incrementAndGet();
  }

  public void connectionClosed(CloseReason reason) {
    openConnections.decrementAndGet();
    closed.get(reason).increment();
  }

  public void requestStarted() {
    inFlight.incrementAndGet();
  }

  public void requestEnded() {
    inFlight.decrementAndGet();
  }

  public void timerStarted() {
    pendingTimers.incrementAndGet();
  }

  public void timerEnded() {
    pendingTimers.decrementAndGet();
  }

  public void acceptError() {
    acceptErrors.increment();
  }

  public void frameIn() {
    framesIn.increment();
  }

  public void bytesIn(int bytes) {
    bytesIn.add(bytes);
  }

  public void frameOut(int bytes) {
    framesOut.increment();
    bytesOut.add(bytes);
  }

  public void outcome(Outcome outcome) {
    outcomes.get(outcome).increment();
  }

  /** Where {@link #replyWritten(long)} latencies go (a metrics timer); none by default. */
  public void latencyRecorder(LongConsumer recorder) {
    this.latencyRecorder = recorder;
  }

  /** A reply was written {@code nanos} after its frame was complete. */
  public void replyWritten(long nanos) {
    latencyRecorder.accept(nanos);
  }

  /** A connection was told the gateway is shutting down. */
  public void drainStarted() {
    drained.increment();
  }

  /** Connections told the gateway is shutting down. */
  public long drained() {
    return drained.sum();
  }

  public void paused() {
    pauses.increment();
  }

  public long openConnections() {
    return openConnections.get();
  }

  public long inFlight() {
    return inFlight.get();
  }

  public long pendingTimers() {
    return pendingTimers.get();
  }

  public long accepted() {
    return accepted.sum();
  }

  public long acceptErrors() {
    return acceptErrors.sum();
  }

  public long framesIn() {
    return framesIn.sum();
  }

  public long framesOut() {
    return framesOut.sum();
  }

  public long bytesIn() {
    return bytesIn.sum();
  }

  public long bytesOut() {
    return bytesOut.sum();
  }

  public long pauses() {
    return pauses.sum();
  }

  public long closed(CloseReason reason) {
    return closed.get(reason).sum();
  }

  public long outcomes(Outcome outcome) {
    return outcomes.get(outcome).sum();
  }
}
