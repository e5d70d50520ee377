package io.tcpgate.admin;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tcpgate.config.AdminConfig;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;

import java.util.function.Supplier;

/**
 * The admin HTTP server on its own port: {@code GET /metrics} (Prometheus text), {@code /health/live},
 * {@code /health/ready} and {@code /info}.
 */
public final class AdminServer extends VerticleBase {

  private static final String PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final AdminConfig config;
  private final PrometheusMeterRegistry registry;
  private final Readiness readiness;
  private final Supplier<JsonObject> info;
  private HttpServer server;
  private volatile int actualPort = -1;

  public AdminServer(AdminConfig config, PrometheusMeterRegistry registry, Readiness readiness,
                     Supplier<JsonObject> info) {
    this.config = config;
    this.registry = registry;
    this.readiness = readiness;
    this.info = info;
  }

  @Override
  public Future<?> start() {
    server = vertx.createHttpServer(new HttpServerOptions().setHost(config.host()).setPort(config.port()))
      .requestHandler(this::handle);
    return server.listen().onSuccess(s -> actualPort = s.actualPort());
  }

  /** The port the admin server listens on, or -1 until it does. */
  public int actualPort() {
    return actualPort;
  }

  private void handle(HttpServerRequest request) {
    if (request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD) {
      request.response().setStatusCode(405).putHeader("Allow", "GET").end();
      return;
    }
    switch (request.path()) {
      case AdminConfig.METRICS_PATH:
        request.response().putHeader("Content-Type", PROMETHEUS_CONTENT_TYPE).end(registry.scrape());
        break;
      case AdminConfig.LIVE_PATH:
        request.response().putHeader("Content-Type", "application/json")
          .end(new JsonObject().put("status", "UP").encode());
        break;
      case AdminConfig.READY_PATH: {
        Readiness.State state = readiness.state();
        request.response().setStatusCode(state == Readiness.State.READY ? 200 : 503)
          .putHeader("Content-Type", "application/json")
          .end(new JsonObject().put("status", state.name()).encode());
        break;
      }
      case AdminConfig.INFO_PATH:
        request.response().putHeader("Content-Type", "application/json").end(info.get().encodePrettily());
        break;
      default:
        request.response().setStatusCode(404).end();
    }
  }
}
