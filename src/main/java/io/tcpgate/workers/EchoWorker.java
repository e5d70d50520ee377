package io.tcpgate.workers;

import io.tcpgate.bus.PinnedConsumer;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;

/**
 * Built-in worker {@code echo}: replies to every request with its own body. Registers with {@link PinnedConsumer},
 * so listeners may use {@code pinned} dispatch.
 * Config: {@code address} (default {@value #DEFAULT_ADDRESS}).
 */
public final class EchoWorker extends VerticleBase {

  /** The address it consumes unless configured. */
  public static final String DEFAULT_ADDRESS = "tcpgate.echo";

  /** Options of every reply: none. Vert.x only reads them, so one instance serves all (no allocation per reply). */
  private static final DeliveryOptions NO_OPTIONS = new DeliveryOptions();

  @Override
  public Future<?> start() {
    String address = config().getString("address", DEFAULT_ADDRESS);
    return PinnedConsumer.register(vertx, address, message -> message.reply(message.body(), NO_OPTIONS));
  }
}
