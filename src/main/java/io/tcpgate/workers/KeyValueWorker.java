package io.tcpgate.workers;

import io.tcpgate.bus.PinnedConsumer;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.shareddata.AsyncMap;

import java.nio.charset.StandardCharsets;

/**
 * Built-in worker {@code kv}: a tiny key-value store on the line protocol, kept in Vert.x shared data so it works the
 * same when clustered.
 * <ul>
 *   <li>{@code SET key value} → {@code OK} (the value is the rest of the line, spaces included)</li>
 *   <li>{@code GET key} → the value, or {@code NIL}</li>
 *   <li>{@code DEL key} → {@code 1} if it existed, else {@code 0}</li>
 *   <li>anything else → {@code ERR unknown-command}</li>
 * </ul>
 * Config: {@code address} (default {@value #DEFAULT_ADDRESS}), {@code map} (default {@value #DEFAULT_MAP}).
 * Registers with {@link PinnedConsumer}; with a local map each command completes before the handler returns, so a
 * pinned connection's commands run in order. On a cluster the map is asynchronous: use {@code ordered} there.
 * Accepts String or Buffer bodies.
 */
public final class KeyValueWorker extends VerticleBase {

  /** The address it consumes unless configured. */
  public static final String DEFAULT_ADDRESS = "tcpgate.kv";
  /** The shared-data map unless configured. */
  public static final String DEFAULT_MAP = "tcpgate.kv";

  private AsyncMap<String, String> map;

  @Override
  public Future<?> start() {
    String address = config().getString("address", DEFAULT_ADDRESS);
    return vertx.sharedData().<String, String>getAsyncMap(config().getString("map", DEFAULT_MAP))
      .compose(m -> {
        map = m;
        return PinnedConsumer.register(vertx, address, this::handle);
      });
  }

  private void handle(Message<Object> message) {
    Object body = message.body();
    String line = body instanceof Buffer ? ((Buffer) body).toString(StandardCharsets.UTF_8) : String.valueOf(body);
    execute(line).onComplete(ar -> {
      if (ar.succeeded()) {
        message.reply(ar.result());
      } else {
        message.fail(1, ar.cause().getMessage());
      }
    });
  }

  /** Runs one command line and returns the reply line. */
  Future<String> execute(String line) {
    int firstSpace = line.indexOf(' ');
    String command = firstSpace < 0 ? line : line.substring(0, firstSpace);
    String rest = firstSpace < 0 ? "" : line.substring(firstSpace + 1);
    switch (command) {
      case "SET": {
        int space = rest.indexOf(' ');
        if (space <= 0) {
          return Future.succeededFuture(unknown());
        }
        return map.put(rest.substring(0, space), rest.substring(space + 1)).map("OK");
      }
      case "GET":
        if (!isKey(rest)) {
          return Future.succeededFuture(unknown());
        }
        return map.get(rest).map(value -> value == null ? "NIL" : value);
      case "DEL":
        if (!isKey(rest)) {
          return Future.succeededFuture(unknown());
        }
        return map.remove(rest).map(previous -> previous == null ? "0" : "1");
      default:
        return Future.succeededFuture(unknown());
    }
  }

  private static boolean isKey(String text) {
    return !text.isEmpty() && text.indexOf(' ') < 0;
  }

  private static String unknown() {
    return "ERR unknown-command";
  }
}
