package io.tcpgate.cluster;

import io.tcpgate.bus.GatewayHeaders;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The worker verticle {@link ClusterIT} deploys on its worker nodes (packed into a jar of its own by
 * {@link ClusterWorkerJar}; the gateway nodes never have it on their classpath). Line commands:
 * <ul>
 *   <li>{@code ME} → {@code <node> <connection-id>}: who handled it, and the id of the asking connection;</li>
 *   <li>{@code PUSH <id> <text>} → pushes {@code text} to connection {@code id} on whatever gateway node holds it,
 *       replies {@code PUSH ok} or {@code PUSH failed <code> <failure type>};</li>
 *   <li>{@code PUSHCLOSE <id> <text>} → the same with {@code tcpgate-close: true};</li>
 *   <li>{@code BROADCAST <listener> <text>} → publishes {@code text} to every connection of {@code listener} on
 *       every gateway node, replies {@code BROADCAST sent};</li>
 *   <li>anything else → {@code <node>:<line>}, after a random delay of 0 to {@code maxDelayMs} ms.</li>
 * </ul>
 * With {@code welcomeListener} set, it also follows {@value GatewayHeaders#EVENTS_ADDRESS}: every connection of
 * that listener gets {@code welcome <id>} pushed as soon as it is connected, and the push's outcome is logged
 * ({@code welcome <id>: ok} or {@code welcome <id>: failed <code>}); their {@code closed} events are logged with
 * the reason ({@code closed <id>: <reason>}).
 *
 * <p>Config: {@code address} (required), {@code node} (the name it answers with), {@code maxDelayMs} (default 0),
 * {@code welcomeListener} (optional), {@code drainOnStop} (default false: see {@link #stop()}).
 */
public final class ClusterTestWorker extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterTestWorker.class);

  private String node;
  private long maxDelayMs;
  private MessageConsumer<Object> requests;
  /** Requests received and not yet answered (delayed replies pending). */
  private int pending;

  @Override
  public Future<?> start() {
    String address = config().getString("address");
    if (address == null) {
      return Future.failedFuture(new IllegalArgumentException("config.address is required"));
    }
    node = config().getString("node", "?");
    maxDelayMs = config().getLong("maxDelayMs", 0L);
    requests = vertx.eventBus().consumer(address, this::handle);
    String welcome = config().getString("welcomeListener");
    if (welcome == null) {
      return requests.completion();
    }
    return requests.completion().compose(v -> vertx.eventBus().<JsonObject>consumer(GatewayHeaders.EVENTS_ADDRESS,
      event -> welcome(welcome, event.body())).completion());
  }

  /**
   * With {@code drainOnStop}: stops taking requests, then answers those it holds before it lets Vert.x undeploy it
   * (undeploying cancels its timers, so the delayed replies would never be sent).
   */
  @Override
  public Future<?> stop() {
    if (!config().getBoolean("drainOnStop", false)) {
      return Future.succeededFuture();
    }
    long deadline = System.currentTimeMillis() + 10_000;
    return requests.unregister().compose(v -> {
      Promise<Void> drained = Promise.promise();
      LOG.info("stopping: {} request(s) pending", pending);
      vertx.setPeriodic(5, id -> {
        if (pending == 0 || System.currentTimeMillis() > deadline) {
          vertx.cancelTimer(id);
          LOG.info("stopped: {} request(s) left unanswered", pending);
          drained.tryComplete();
        }
      });
      return drained.future();
    });
  }

  private void welcome(String listener, JsonObject event) {
    if (!listener.equals(event.getString("listener"))) {
      return;
    }
    String id = event.getString("connectionId");
    if ("connected".equals(event.getString("event"))) {
      push(id, "welcome " + id, false).onComplete(ar -> LOG.info("welcome {}: {}", id, ar.result()));
    } else if ("closed".equals(event.getString("event"))) {
      LOG.info("closed {}: {}", id, event.getString("reason"));
    }
  }

  private void handle(Message<Object> message) {
    Object body = message.body();
    String line = body instanceof Buffer ? ((Buffer) body).toString(StandardCharsets.UTF_8) : String.valueOf(body);
    String[] parts = line.split(" ", 3);
    switch (parts[0]) {
      case "ME":
        message.reply(node + " " + GatewayHeaders.connectionId(message));
        return;
      case "PUSH":
      case "PUSHCLOSE":
        if (parts.length < 3) {
          message.fail(400, "usage: " + parts[0] + " <connection-id> <text>");
          return;
        }
        push(parts[1], parts[2], "PUSHCLOSE".equals(parts[0])).onComplete(ar -> message.reply("PUSH " + ar.result()));
        return;
      case "BROADCAST":
        if (parts.length < 3) {
          message.fail(400, "usage: BROADCAST <listener> <text>");
          return;
        }
        vertx.eventBus().publish(GatewayHeaders.broadcastAddress(parts[1]), parts[2]);
        message.reply("BROADCAST sent");
        return;
      default:
        long delay = maxDelayMs <= 0 ? 0 : ThreadLocalRandom.current().nextLong(maxDelayMs + 1);
        if (delay == 0) {
          message.reply(node + ":" + line);
        } else {
          pending++;
          vertx.setTimer(delay, t -> {
            pending--;
            message.reply(node + ":" + line);
          });
        }
    }
  }

  /** Pushes {@code text} to connection {@code id}; completes with {@code ok} or {@code failed <code> <type>}. */
  private Future<String> push(String id, String text, boolean close) {
    DeliveryOptions options = GatewayHeaders.pushOptions(id).setSendTimeout(5_000);
    if (close) {
      options.addHeader(GatewayHeaders.CLOSE, "true");
    }
    return vertx.eventBus().request(GatewayHeaders.pushAddress(id), text, options)
      .map(reply -> String.valueOf(reply.body()))
      .otherwise(err -> err instanceof ReplyException
        ? "failed " + ((ReplyException) err).failureCode() + " " + ((ReplyException) err).failureType()
        : "failed " + err);
  }
}
