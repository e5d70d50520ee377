package io.tcpgate.workers;

import io.tcpgate.config.ConfigException;
import io.tcpgate.config.GatewayConfig;
import io.tcpgate.testing.RawClient;
import io.tcpgate.testing.TestGateway;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Built-in workers and a user's verticle deployed by class name, as the config lists them. */
@ExtendWith(VertxExtension.class)
class WorkersTest {

  /** Stands for a user's verticle: deployed by its class name only. */
  public static final class ReversingWorker extends VerticleBase {
    @Override
    public Future<?> start() {
      String address = config().getString("address");
      return vertx.eventBus().<String>consumer(address,
        m -> m.reply(new StringBuilder(m.body()).reverse().toString())).completion();
    }
  }

  private TestGateway gw;

  @BeforeEach
  void setUp(VertxTestContext ctx) {
    gw = new TestGateway();
    JsonObject config = TestGateway.config(
      TestGateway.listener("echo", "tcpgate.echo"),
      TestGateway.listener("kv", "tcpgate.kv").put("body", "string"),
      TestGateway.listener("user", "reverse").put("body", "string"));
    config.put("workers", new JsonArray()
      .add(new JsonObject().put("verticle", "echo").put("instances", 2))
      .add(new JsonObject().put("verticle", "kv").put("threading", "event-loop"))
      .add(new JsonObject().put("verticle", ReversingWorker.class.getName())
        .put("config", new JsonObject().put("address", "reverse"))));
    gw.start(config).onComplete(ctx.succeedingThenComplete());
  }

  @AfterEach
  void tearDown(VertxTestContext ctx) {
    gw.close().onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void echo_repliesWithTheFrame() throws Exception {
    try (RawClient client = RawClient.connect(gw.port("echo"))) {
      client.send("same\n");
      assertThat(client.readLine()).isEqualTo("same");
    }
  }

  @Test
  void keyValue_setGetDel_andUnknownCommands() throws Exception {
    try (RawClient client = RawClient.connect(gw.port("kv"))) {
      client.send("GET k\nSET k hello world\nGET k\nDEL k\nDEL k\nGET k\nINCR k\nSET k\nGET\n");
      assertThat(client.readLine()).isEqualTo("NIL");
      assertThat(client.readLine()).isEqualTo("OK");
      assertThat(client.readLine()).isEqualTo("hello world");
      assertThat(client.readLine()).isEqualTo("1");
      assertThat(client.readLine()).isEqualTo("0");
      assertThat(client.readLine()).isEqualTo("NIL");
      assertThat(client.readLine()).isEqualTo("ERR unknown-command");
      assertThat(client.readLine()).isEqualTo("ERR unknown-command");
      assertThat(client.readLine()).isEqualTo("ERR unknown-command");
    }
    try (RawClient a = RawClient.connect(gw.port("kv")); RawClient b = RawClient.connect(gw.port("kv"))) {
      a.send("SET shared 1\n");
      assertThat(a.readLine()).isEqualTo("OK");
      b.send("GET shared\n");
      assertThat(b.readLine()).isEqualTo("1");
    }
  }

  @Test
  void userVerticle_isDeployedByClassName() throws Exception {
    try (RawClient client = RawClient.connect(gw.port("user"))) {
      client.send("stressed\n");
      assertThat(client.readLine()).isEqualTo("desserts");
    }
  }

  @Test
  void virtualThreads_areRefusedClearly_onAJvmWithoutThem() {
    JsonObject config = TestGateway.config(TestGateway.listener("x", "y"))
      .put("workers", new JsonArray().add(new JsonObject().put("verticle", "echo").put("threading", "virtual-thread")));
    if (Runtime.version().feature() < 21) {
      assertThatThrownBy(() -> GatewayConfig.fromJson(config)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("workers[0].threading").hasMessageContaining("Java 21");
    } else {
      assertThat(GatewayConfig.fromJson(config).workers().get(0).threading())
        .isEqualTo(io.vertx.core.ThreadingModel.VIRTUAL_THREAD);
    }
  }
}
