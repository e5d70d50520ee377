package io.tcpgate;

import io.tcpgate.config.ConfigException;
import io.tcpgate.internal.VertxInternals;
import io.tcpgate.config.ConfigLoader;
import io.tcpgate.config.GatewayConfig;
import io.tcpgate.admin.GatewayInfo;
import io.tcpgate.admin.ProcessMeters;
import io.tcpgate.admin.LogSetup;
import io.tcpgate.admin.StartupErrors;
import io.tcpgate.listener.BindException;
import io.tcpgate.listener.ListenerDeployer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code java -jar tcpgate.jar [-conf FILE] [--check] [--version]}: loads and validates the configuration (the
 * default packaged in the jar when no file is named), starts the gateway, and drains it on SIGTERM or SIGINT. With
 * {@code --check} it only validates the configuration, every override applied, prints the effective configuration
 * and exits (0 valid, 2 not), binding nothing; {@code --version} prints the versions and exits.
 * Exit codes: 0 after a clean shutdown, 1 when startup fails (e.g. a bind failure), 2 for an invalid configuration
 * or command line.
 */
public final class Main {

  /** Exit code: startup failed (bind failure, worker deployment failure). */
  public static final int EXIT_STARTUP_FAILED = 1;
  /** Exit code: the configuration or the command line is invalid. */
  public static final int EXIT_BAD_CONFIG = 2;

  private static final String USAGE = "usage: java -jar tcpgate.jar [-conf FILE] [--check] [--version]";

  private Main() {
  }

  public static void main(String[] args) {
    if (System.getProperty("hazelcast.logging.type") == null) {
      // before Hazelcast's first line, so even its startup warnings go through logback (and stay JSON when asked)
      System.setProperty("hazelcast.logging.type", "slf4j");
    }
    if (System.getProperty("vertx.logger-delegate-factory-class-name") == null) {
      System.setProperty("vertx.logger-delegate-factory-class-name", "io.vertx.core.logging.SLF4JLogDelegateFactory");
    }
    String file = null;
    boolean check = false;
    for (int i = 0; i < args.length; i++) {
      if ("-conf".equals(args[i]) || "--conf".equals(args[i])) {
        if (i + 1 >= args.length || args[i + 1].startsWith("-")) {
          StartupErrors.print(args[i] + " needs a file name (-conf FILE)\n" + USAGE);
          System.exit(EXIT_BAD_CONFIG);
        }
        file = args[++i];
      } else if ("--check".equals(args[i]) || "-check".equals(args[i])) {
        check = true;
      } else if ("--version".equals(args[i]) || "-version".equals(args[i])) {
        System.out.println("tcpgate " + GatewayInfo.version() + " (Vert.x " + ProcessMeters.vertxVersion() + ", Java "
          + System.getProperty("java.version") + ")");
        return;
      } else if ("-h".equals(args[i]) || "--help".equals(args[i])) {
        System.out.println(USAGE);
        return;
      } else {
        StartupErrors.print("unexpected argument '" + args[i] + "'\n" + USAGE);
        System.exit(EXIT_BAD_CONFIG);
      }
    }
    try {
      LogSetup.fromEnvironment();
    } catch (IllegalArgumentException e) {
      StartupErrors.print("invalid " + e.getMessage());
      System.exit(EXIT_BAD_CONFIG);
    }
    Logger log = LoggerFactory.getLogger(Main.class);
    GatewayConfig config;
    JsonObject json;
    Vertx loader = Vertx.vertx();
    try {
      json = await(ConfigLoader.loadJson(loader, file));
      config = GatewayConfig.fromJson(json);
    } catch (ConfigException e) {
      failBeforeStart(loader, "invalid configuration: " + e.getMessage(), EXIT_BAD_CONFIG);
      return;
    } catch (RuntimeException e) {
      failBeforeStart(loader, "cannot load the configuration: " + e, EXIT_BAD_CONFIG);
      return;
    }
    StartupErrors.configured(config.logFormat());
    LogSetup.apply(config.logFormat());
    if (check) {
      try {
        for (var listener : config.boundListeners()) {
          if (listener.tls() != null) {
            ListenerDeployer.readTls(loader, listener.tls());
          }
        }
      } catch (ConfigException e) {
        failBeforeStart(loader, "invalid configuration: " + e.getMessage(), EXIT_BAD_CONFIG);
        return;
      }
      checkOnly(loader, file, json);
      return;
    }
    loader.close();
    log.info("tcpgate {}: configuration {}: {} listener(s), {} worker(s), role {}{}", GatewayInfo.version(),
      file == null ? "(packaged default)" : file, config.listeners().size(), config.workers().size(),
      config.cluster().role().configName(), config.cluster().enabled() ? " (clustered)" : "");
    try {
      VertxInternals.check();
    } catch (IllegalStateException e) {
      StartupErrors.print(e.getMessage());
      System.exit(EXIT_STARTUP_FAILED);
      return;
    }
    TcpGate app;
    try {
      app = await(TcpGate.create(TcpGate.defaultEventLoops(), config.cluster(), config.admin().eventBusMetrics(),
        config.transport()));
    } catch (RuntimeException e) {
      StartupErrors.print("cannot join the cluster: " + e);
      System.exit(EXIT_STARTUP_FAILED);
      return;
    }
    try {
      await(app.start(config));
    } catch (ConfigException e) {
      fail(app, "invalid configuration: " + e.getMessage(), EXIT_BAD_CONFIG);
      return;
    } catch (BindException e) {
      fail(app, e.getMessage(), EXIT_STARTUP_FAILED);
      return;
    } catch (RuntimeException e) {
      fail(app, "startup failed: " + e, EXIT_STARTUP_FAILED);
      return;
    }
    String source = file;
    app.reloadFrom(() -> ConfigLoader.loadJson(app.vertx(), source), json);
    ShutdownSignals.install(() -> shutdown(app, log));
    ShutdownSignals.onHangUp(() -> app.reload("SIGHUP"));
    log.info("tcpgate started with {} listener(s); ready", app.gateway().listeners().size());
  }

  /** {@code --check}: the configuration was valid; prints it as it is in effect (every override applied). */
  private static void checkOnly(Vertx loader, String file, JsonObject effective) {
    loader.close();
    System.out.println(effective.encodePrettily());
    System.out.println("tcpgate: configuration " + (file == null ? "(packaged default)" : file) + " is valid");
  }

  private static void shutdown(TcpGate app, Logger log) {
    log.info("shutdown requested: readiness 503, then refusing new connections and draining");
    GatewayConfig config = app.gateway().config();
    try {
      app.shutdown().toCompletionStage().toCompletableFuture()
        .get(config.graceDelayMs() + config.drainTimeoutMs() + 5_000, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      log.warn("drain did not finish cleanly: {}", e.toString());
    }
    try {
      app.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("closing Vert.x did not finish cleanly: {}", e.toString());
    }
    log.info("tcpgate stopped");
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException) {
        throw (RuntimeException) cause;
      }
      throw new IllegalStateException(cause);
    }
  }

  private static void failBeforeStart(Vertx loader, String message, int code) {
    StartupErrors.print(message);
    loader.close();
    System.exit(code);
  }

  private static void fail(TcpGate app, String message, int code) {
    StartupErrors.print(message);
    LoggerFactory.getLogger(Main.class).error("{}", message);
    CountDownLatch closed = new CountDownLatch(1);
    app.close().onComplete(ar -> closed.countDown());
    try {
      closed.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    System.exit(code);
  }

  /** Runs the drain once on SIGTERM or SIGINT, then exits 0. */
  static final class ShutdownSignals {

    private ShutdownSignals() {
    }

    /** Runs {@code reload} on each SIGHUP (where the JVM lets tcpgate handle it). */
    static void onHangUp(Runnable reload) {
      try {
        sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> reload.run());
      } catch (IllegalArgumentException e) {
        LoggerFactory.getLogger(Main.class).warn("SIGHUP cannot be handled in this JVM ({}); reloads only by the"
          + " file checks (reload.checkMs)", e.getMessage());
      }
    }

    static void install(Runnable drain) {
      AtomicBoolean started = new AtomicBoolean();
      Runnable onSignal = () -> {
        if (started.compareAndSet(false, true)) {
          Thread thread = new Thread(() -> {
            drain.run();
            System.exit(0);
          }, "tcpgate-shutdown");
          thread.start();
        }
      };
      for (String name : new String[] {"TERM", "INT"}) {
        try {
          sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> onSignal.run());
        } catch (IllegalArgumentException e) {
          Runtime.getRuntime().addShutdownHook(new Thread(drain, "tcpgate-shutdown-hook"));
        }
      }
    }
  }
}
