package io.tcpgate.testing;

import io.tcpgate.config.ConfigLoader;
import io.tcpgate.reload.ReloadResult;
import io.vertx.core.Future;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A {@link TestGateway} reloadable from a configuration file, as {@code Main} runs one: started from the file, then
 * reloaded from it. Its worker on {@value #ADDRESS} echoes every frame except those starting {@code hold}, which it
 * keeps unanswered in {@link #held()} for the test to answer.
 */
public final class ReloadableGateway {

  /** The address of the test's worker. */
  public static final String ADDRESS = "work";

  private final TestGateway gateway = new TestGateway();
  private final Path file;
  private final List<Message<Object>> held = new CopyOnWriteArrayList<>();

  private ReloadableGateway(Path file) {
    this.file = file;
  }

  /** Writes {@code config} to {@code dir/config.json} and starts a gateway reloadable from that file. */
  public static ReloadableGateway start(Path dir, JsonObject config) throws Exception {
    ReloadableGateway reloadable = new ReloadableGateway(dir.resolve("config.json"));
    reloadable.write(config);
    TestGateway gw = reloadable.gateway;
    gw.vertx().eventBus().<Object>consumer(ADDRESS, message -> {
      String body = message.body().toString();
      if (body.startsWith("hold")) {
        reloadable.held.add(message);
      } else {
        message.reply(body);
      }
    });
    String file = reloadable.file.toString();
    JsonObject json = await(ConfigLoader.loadJson(gw.vertx(), file));
    await(gw.start(json));
    gw.app().reloadFrom(() -> ConfigLoader.loadJson(gw.vertx(), file), json);
    return reloadable;
  }

  /** A configuration with one listener {@code gate} to the test's worker, adjusted by {@code listener}. */
  public static JsonObject config(Consumer<JsonObject> listener) {
    JsonObject l = TestGateway.listener("gate", ADDRESS);
    listener.accept(l);
    return TestGateway.config(l);
  }

  /** Replaces the file with {@code config} atomically, as a ConfigMap update does. */
  public void write(JsonObject config) throws IOException {
    Path temp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(temp, config.encodePrettily());
    Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Writes {@code config} and reloads it. */
  public ReloadResult reload(JsonObject config) throws Exception {
    write(config);
    return await(gateway.app().reload("test"));
  }

  /** Waits up to 20 s for {@code future}. */
  public static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  public TestGateway gateway() {
    return gateway;
  }

  /** The configuration file. */
  public Path file() {
    return file;
  }

  /** The frames starting {@code hold} the worker took and did not answer, in arrival order. */
  public List<Message<Object>> held() {
    return held;
  }
}
