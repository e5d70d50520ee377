package io.tcpgate.examples;

import io.tcpgate.bus.GatewayHeaders;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A slow worker: replies to every frame with the frame itself, {@code config().delayMs} milliseconds (default
 * {@value #DEFAULT_DELAY_MS}) after it arrived. Handy to watch tcpgate keep replies in order, time requests out and
 * drain in-flight frames on shutdown.
 *
 * <p>Config: {@code address} (required), {@code delayMs}. Logs one INFO line per frame it receives.
 */
public final class DelayWorker extends VerticleBase {

  /** Delay unless configured. */
  public static final long DEFAULT_DELAY_MS = 1000;

  private static final Logger LOG = LoggerFactory.getLogger(DelayWorker.class);

  private long delayMs;

  @Override
  public Future<?> start() {
    String address = config().getString("address");
    if (address == null || address.isBlank()) {
      return Future.failedFuture(new IllegalArgumentException(getClass().getSimpleName()
        + " needs config.address, the event-bus address its listener sends frames to"));
    }
    delayMs = config().getLong("delayMs", DEFAULT_DELAY_MS);
    if (delayMs < 0) {
      return Future.failedFuture(new IllegalArgumentException("config.delayMs must be >= 0 (got " + delayMs + ")"));
    }
    return vertx.eventBus().consumer(address, this::handle).completion();
  }

  private void handle(Message<Object> message) {
    LOG.info("delay-worker received frame {} of connection {}, replying in {} ms",
      message.headers().get(GatewayHeaders.SEQUENCE), GatewayHeaders.connectionId(message), delayMs);
    if (delayMs == 0) {
      message.reply(message.body());
    } else {
      vertx.setTimer(delayMs, t -> message.reply(message.body()));
    }
  }
}
