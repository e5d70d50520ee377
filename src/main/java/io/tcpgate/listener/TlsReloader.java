package io.tcpgate.listener;

import io.tcpgate.config.TlsConfig;
import io.tcpgate.metrics.ListenerStats;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.ServerSSLOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * Checks a listener's TLS files every {@code reloadCheckMs} and, when their contents changed (Kubernetes swaps a
 * mounted Secret behind a symlink, so the paths stay the same), checks the new material and gives it to every
 * NetServer instance of the listener: new connections get the new certificate, open ones keep theirs. New files that
 * fail the check (unreadable, not PEM, a key that is not the certificate's) are rejected, counted and logged once,
 * and the material in use stays; unless the files changed again while they were checked (a rotation caught half
 * way), in which case the next check decides.
 */
final class TlsReloader {

  private static final Logger LOG = LoggerFactory.getLogger(TlsReloader.class);

  private final Vertx vertx;
  private final String listener;
  private volatile TlsConfig config;
  private final ListenerStats stats;
  private final Supplier<List<NetServer>> servers;
  private TlsMaterial current;
  private byte[][] rejected;
  private boolean checking;
  private long timer = -1;

  TlsReloader(Vertx vertx, String listener, TlsConfig config, ListenerStats stats, TlsMaterial current,
              Supplier<List<NetServer>> servers) {
    this.vertx = vertx;
    this.listener = listener;
    this.config = config;
    this.stats = stats;
    this.current = current;
    this.servers = servers;
    stats.certificateNotAfter(current.leaf().getNotAfter().getTime());
  }

  void start() {
    if (config.reloadCheckMs() > 0) {
      timer = vertx.setPeriodic(config.reloadCheckMs(), id -> check());
    }
  }

  /**
   * Serves {@code material}, already read and checked, from the files {@code next} names (a reload changed them),
   * and checks those files from now on.
   */
  Future<Void> replace(TlsConfig next, TlsMaterial material) {
    boolean period = next.reloadCheckMs() != config.reloadCheckMs();
    config = next;
    if (period) {
      stop();
      start();
    }
    return apply(material);
  }

  /** Gives every instance the material in use (again). */
  Future<Void> applyCurrent() {
    return serve(current).mapEmpty();
  }

  /** Gives every instance {@code material}'s options, built once. */
  private Future<?> serve(TlsMaterial material) {
    ServerSSLOptions options = material.sslOptions();
    return Future.all(servers.get().stream().map(server -> server.updateSSLOptions(options, true)).toList());
  }

  void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  /** One check; does nothing while the previous one is still running. */
  Future<Void> check() {
    if (checking) {
      return Future.succeededFuture();
    }
    checking = true;
    TlsMaterial inUse = current;
    byte[][] rejectedBefore = rejected;
    return vertx.<Object>executeBlocking(() -> {
      byte[][] contents = TlsMaterial.readContents(config);
      if (inUse.sameContents(contents) || rejectedBefore != null && Arrays.deepEquals(rejectedBefore, contents)) {
        return null;
      }
      try {
        return TlsMaterial.check(vertx, config, contents);
      } catch (RuntimeException e) {
        if (!Arrays.deepEquals(contents, TlsMaterial.readContents(config))) {
          return null;
        }
        return new Rejected(contents, e.getMessage());
      }
    }, false).compose(result -> {
      if (result instanceof Rejected) {
        Rejected r = (Rejected) result;
        rejected = r.contents;
        stats.tlsReload(false);
        LOG.warn("listener '{}': new TLS files rejected, new connections keep the current certificate: {}",
          listener, r.reason);
        return Future.succeededFuture();
      }
      if (result == null) {
        return Future.succeededFuture();
      }
      return apply((TlsMaterial) result);
    }, err -> {
      LOG.warn("listener '{}': checking the TLS files failed: {}", listener, err.toString());
      return Future.<Void>succeededFuture();
    }).andThen(ar -> checking = false);
  }

  private Future<Void> apply(TlsMaterial material) {
    return serve(material).transform(ar -> {
      if (ar.succeeded()) {
        current = material;
        rejected = null;
        stats.tlsReload(true);
        stats.certificateNotAfter(material.leaf().getNotAfter().getTime());
        LOG.info("listener '{}': new TLS certificate for new connections: {} (serial {}, valid until {})",
          listener, material.leaf().getSubjectX500Principal().getName(), material.leaf().getSerialNumber()
            .toString(16), material.leaf().getNotAfter().toInstant());
      } else {
        stats.tlsReload(false);
        LOG.warn("listener '{}': new TLS files rejected by the TLS engine, new connections keep the current"
          + " certificate: {}", listener, ar.cause().toString());
      }
      return Future.succeededFuture();
    });
  }

  private record Rejected(byte[][] contents, String reason) {
  }
}
