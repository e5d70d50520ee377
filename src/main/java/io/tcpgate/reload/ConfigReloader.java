package io.tcpgate.reload;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.tcpgate.Gateway;
import io.tcpgate.admin.LogSetup;
import io.tcpgate.config.ConfigException;
import io.tcpgate.config.GatewayConfig;
import io.tcpgate.config.ListenerConfig;
import io.tcpgate.listener.ListenerDeployer;
import io.tcpgate.listener.TlsMaterial;
import io.tcpgate.reload.ReloadResult.Outcome;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Reloads the configuration of a running gateway: on {@code SIGHUP}, on demand, and every {@code reload.checkMs} when
 * the configuration read differs from the one in force (a rejected one is tried again every {@value #RETRY_CHECKS}
 * checks). A reload reads the file with every override, validates it as
 * strictly as at startup (TLS files included), refuses what needs a restart, and has the {@link Gateway} apply the
 * {@link ConfigDiff}. A rejected reload changes nothing: it is logged with its key path and counted.
 *
 * <p>Reloads run one at a time: {@link State#IDLE}, {@link State#RELOADING} (a trigger meanwhile queues one more
 * reload, however many arrive), {@link State#CLOSED} once the gateway shuts down. Each applied reload is a new
 * generation of the configuration, numbered from 1 at startup, with the SHA-256 of the configuration read and when it
 * was loaded ({@code /info}).
 */
public final class ConfigReloader {

  private static final Logger LOG = LoggerFactory.getLogger(ConfigReloader.class);
  /** A rejected configuration is tried again after this many file checks. */
  static final int RETRY_CHECKS = 10;

  /** Where the reloader is in its life. */
  enum State {
    /** Waiting for a trigger. */
    IDLE,
    /** A reload is running; triggers queue one more. */
    RELOADING,
    /** Shut down: triggers are ignored. */
    CLOSED
  }

  private final Vertx vertx;
  private final ConfigSource source;
  private final Gateway gateway;
  private final Consumer<Gateway> afterApply;
  private final Map<Outcome, Counter> counts = new EnumMap<>(Outcome.class);
  private State state = State.IDLE;
  private Promise<ReloadResult> queued;
  private String queuedTrigger;
  private Promise<Void> idle;
  private volatile long generation = 1;
  private volatile String hash;
  private volatile Instant loadedAt = Instant.now();
  private volatile ReloadResult last;
  private volatile String rejectedHash;
  private volatile long rejectedNanos;
  private long watchTimer = -1;
  private volatile long watchPeriodMs;
  private volatile boolean watchBusy;

  /**
   * @param initial    the configuration read at startup (generation 1)
   * @param afterApply called after each applied reload (e.g. to publish the meters of new listeners)
   */
  public ConfigReloader(Vertx vertx, ConfigSource source, Gateway gateway, JsonObject initial, MeterRegistry registry,
                        Consumer<Gateway> afterApply) {
    this.vertx = vertx;
    this.source = source;
    this.gateway = gateway;
    this.afterApply = afterApply;
    this.hash = sha256(initial);
    for (Outcome outcome : Outcome.values()) {
      counts.put(outcome, Counter.builder("tcpgate.config.reloads")
        .description("Configuration reloads, by result")
        .tag("result", outcome.tag())
        .register(registry));
    }
    Gauge.builder("tcpgate.config.generation", this, r -> r.generation)
      .description("Generation of the configuration in force: 1 at startup, one more per applied reload")
      .register(registry);
  }

  /** Starts the file checks when the configuration in force asks for them ({@code reload.checkMs}). */
  public void start() {
    rearmWatch(gateway.config().reload().checkMs());
  }

  /**
   * Reloads now. A reload already running finishes first; several requests meanwhile make one more reload.
   *
   * @param trigger what asked, for the log ({@code SIGHUP}, {@code file}, ...)
   * @return the outcome; never fails
   */
  public Future<ReloadResult> reload(String trigger) {
    return reload(trigger, null);
  }

  /** {@link #reload(String)} of a configuration already read ({@code null}: read it), e.g. by a file check. */
  private Future<ReloadResult> reload(String trigger, JsonObject read) {
    synchronized (this) {
      switch (state) {
        case CLOSED:
          return Future.succeededFuture(shuttingDown());
        case RELOADING:
          if (queued == null) {
            queued = Promise.promise();
            queuedTrigger = trigger;
          }
          return queued.future();
        default:
          state = State.RELOADING;
          idle = Promise.promise();
      }
    }
    return run(trigger, read);
  }

  private Future<ReloadResult> run(String trigger, JsonObject read) {
    Future<ReloadResult> outcome = (read != null ? Future.succeededFuture(read) : source.load())
      .compose(json -> apply(json, trigger))
      .recover(err -> Future.succeededFuture(rejected(trigger, unreadable(err), err)));
    return outcome.andThen(ar -> finished(ar.result()));
  }

  private void finished(ReloadResult result) {
    last = result;
    counts.get(result.outcome()).increment();
    Promise<ReloadResult> next;
    String nextTrigger;
    Promise<Void> nowIdle = null;
    synchronized (this) {
      next = queued;
      nextTrigger = queuedTrigger;
      queued = null;
      if (next == null || state == State.CLOSED) {
        if (state == State.RELOADING) {
          state = State.IDLE;
        }
        nowIdle = idle;
        idle = null;
      }
    }
    if (nowIdle != null) {
      if (next != null) {
        next.complete(shuttingDown());
      }
      nowIdle.complete();
      return;
    }
    run(nextTrigger, null).onComplete(next);
  }

  private ReloadResult shuttingDown() {
    return new ReloadResult(Outcome.REJECTED, generation, List.of(), "reload: the gateway is shutting down");
  }

  private Future<ReloadResult> apply(JsonObject json, String trigger) {
    String nextHash = sha256(json);
    GatewayConfig next;
    ConfigDiff diff;
    try {
      next = GatewayConfig.fromJson(json);
      diff = ConfigDiff.between(gateway.config(), next);
    } catch (ConfigException e) {
      return Future.succeededFuture(rejected(trigger, nextHash, e));
    }
    if (diff.isEmpty()) {
      hash = nextHash;
      rejectedHash = null;
      LOG.info("configuration read again ({}): no changes; generation {} stays in force", trigger, generation);
      return Future.succeededFuture(new ReloadResult(Outcome.UNCHANGED, generation, List.of(), null));
    }
    return readTls(diff)
      .compose(tls -> gateway.reconfigure(next, diff, tls))
      .map(v -> {
        generation++;
        hash = nextHash;
        loadedAt = Instant.now();
        rejectedHash = null;
        if (diff.gateway().contains("logging.format")) {
          LogSetup.apply(next.logFormat());
        }
        if (diff.gateway().contains("reload.checkMs")) {
          rearmWatch(next.reload().checkMs());
        }
        List<String> changes = diff.describe();
        LOG.info("configuration reloaded ({}): generation {}, {} change(s):\n  {}", trigger, generation,
          changes.size(), String.join("\n  ", changes));
        afterApply.accept(gateway);
        return new ReloadResult(Outcome.APPLIED, generation, changes, null);
      })
      .recover(err -> Future.succeededFuture(rejected(trigger, nextHash, err)));
  }

  /** Reads and checks the TLS files of the listeners whose TLS changes in place, off the event loop. */
  private Future<Map<String, TlsMaterial>> readTls(ConfigDiff diff) {
    Map<String, ListenerConfig> toRead = new HashMap<>();
    for (ListenerChange change : diff.listeners()) {
      if (change.kind() == ListenerChange.Kind.IN_PLACE && change.after().tls() != null
        && !Objects.equals(change.before().tls(), change.after().tls())) {
        toRead.put(change.name(), change.after());
      }
    }
    if (toRead.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    return vertx.executeBlocking(() -> {
      Map<String, TlsMaterial> read = new HashMap<>();
      toRead.forEach((name, listener) -> read.put(name, ListenerDeployer.readTls(vertx, listener.tls())));
      return read;
    }, false);
  }

  /**
   * Whether to try a rejected configuration again: every {@value #RETRY_CHECKS} checks, since what rejected it may
   * lie outside the file (a port still in use, a Secret not mounted yet).
   */
  private boolean retryDue() {
    return System.nanoTime() - rejectedNanos >= TimeUnit.MILLISECONDS.toNanos(RETRY_CHECKS * watchPeriodMs);
  }

  /** Stands for a configuration that could not be read, in place of its hash, so it is rejected once. */
  private static String unreadable(Throwable err) {
    return "unreadable: " + err.getMessage();
  }

  private ReloadResult rejected(String trigger, String rejectedHash, Throwable err) {
    this.rejectedHash = rejectedHash;
    this.rejectedNanos = System.nanoTime();
    String message = err instanceof ConfigException || err.getMessage() != null ? err.getMessage() : err.toString();
    LOG.error("configuration reload rejected ({}); generation {} stays in force: {}", trigger, generation, message);
    return new ReloadResult(Outcome.REJECTED, generation, List.of(), message);
  }

  private synchronized void rearmWatch(long periodMs) {
    if (watchTimer >= 0) {
      vertx.cancelTimer(watchTimer);
      watchTimer = -1;
    }
    watchPeriodMs = periodMs;
    if (periodMs > 0 && state != State.CLOSED) {
      watchTimer = vertx.setPeriodic(periodMs, id -> check());
      LOG.info("checking the configuration for changes every {} ms", periodMs);
    }
  }

  /** One file check: reloads when the configuration read differs from the one in force and from the last rejected. */
  private void check() {
    synchronized (this) {
      if (watchBusy || state != State.IDLE) {
        return;
      }
    }
    watchBusy = true;
    source.load()
      .onSuccess(json -> {
        String read = sha256(json);
        if (!read.equals(hash) && (!read.equals(rejectedHash) || retryDue())) {
          reload("file changed", json);
        }
      })
      .onFailure(err -> {
        if (!unreadable(err).equals(rejectedHash) || retryDue()) {
          reload("file changed");
        }
      })
      .onComplete(ar -> watchBusy = false);
  }

  /** Stops the file checks and refuses further reloads; completes once a reload in progress has finished. */
  public Future<Void> close() {
    synchronized (this) {
      state = State.CLOSED;
      if (watchTimer >= 0) {
        vertx.cancelTimer(watchTimer);
        watchTimer = -1;
      }
      return idle == null ? Future.succeededFuture() : idle.future();
    }
  }

  /** The generation in force: 1 at startup, one more per applied reload. */
  public long generation() {
    return generation;
  }

  /** The {@code /info} document's {@code config} section. */
  public JsonObject describe() {
    JsonObject json = new JsonObject()
      .put("generation", generation)
      .put("sha256", hash)
      .put("loadedAt", loadedAt.toString())
      .put("checkMs", watchPeriodMs);
    ReloadResult result = last;
    if (result != null) {
      JsonObject lastJson = new JsonObject().put("result", result.outcome().tag());
      if (result.error() != null) {
        lastJson.put("error", result.error());
      }
      json.put("lastReload", lastJson);
    }
    return json;
  }

  static String sha256(JsonObject json) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(json.encode().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
