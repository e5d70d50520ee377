package io.tcpgate.examples;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A user's worker: consumes the event-bus address named by {@code config().address} and replies to every frame with
 * the frame upper-cased. Works with listeners whose {@code body} is {@code buffer} (the default) or {@code string};
 * the reply has the same type as the request, and tcpgate frames it back to the client.
 *
 * <p>Deploy it from the gateway configuration by class name:
 * <pre>{@code
 * "workers": [
 *   { "verticle": "io.tcpgate.examples.UppercaseWorker", "config": { "address": "examples.upper" } }
 * ]
 * }</pre>
 */
public final class UppercaseWorker extends VerticleBase {

  @Override
  public Future<?> start() {
    String address = config().getString("address");
    if (address == null || address.isBlank()) {
      return Future.failedFuture(new IllegalArgumentException(getClass().getSimpleName()
        + " needs config.address, the event-bus address its listener sends frames to"));
    }
    return vertx.eventBus().consumer(address, this::handle).completion();
  }

  private void handle(Message<Object> message) {
    Object body = message.body();
    if (body instanceof Buffer) {
      message.reply(Buffer.buffer(upper(((Buffer) body).toString(StandardCharsets.UTF_8))));
    } else if (body instanceof String) {
      message.reply(upper((String) body));
    } else {
      // tcpgate writes a failure back as "ERR worker-failed <text>"
      message.fail(1, "expected a buffer or string body, got " + (body == null ? "null" : body.getClass().getName()));
    }
  }

  private static String upper(String text) {
    return text.toUpperCase(Locale.ROOT);
  }
}
