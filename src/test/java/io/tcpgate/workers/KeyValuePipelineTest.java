package io.tcpgate.workers;

import io.tcpgate.testing.TestGateway;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** kv behind 50 pipelining connections: every reply matches a per-connection reference model of its keys. */
@ExtendWith(VertxExtension.class)
class KeyValuePipelineTest {

  private static final int CONNECTIONS = 50;
  private static final int OPERATIONS = 10_000;
  /** Commands a connection may have sent and not yet seen answered. */
  private static final int WINDOW = 500;
  private static final int KEYS = 8;
  /** The run fails when no connection made progress for this long. */
  private static final long STALL_MS = 20_000;
  private static final long RUN_TIMEOUT_MS = 120_000;

  private TestGateway gw;

  @BeforeEach
  void setUp() {
    gw = new TestGateway();
  }

  @AfterEach
  void tearDown(VertxTestContext ctx) {
    gw.close().onComplete(ctx.succeedingThenComplete());
  }

  /**
   * The clients run on one thread with non-blocking sockets, writing ahead of the replies up to the window: writes
   * never wait on reads, so TCP buffers cannot deadlock, and a single client thread leaves the CPU to the gateway.
   */
  @ParameterizedTest(name = "{0} dispatch")
  @ValueSource(strings = {"ordered", "pinned"})
  void fiftyConnections_pipelining10000RandomCommandsEach_matchAReferenceModelAfterEveryReply(String dispatch)
    throws Exception {
    JsonObject config = TestGateway.config(TestGateway.listener("kv", "tcpgate.kv").put("body", "string")
      .put("dispatch", dispatch));
    config.put("workers", new JsonArray().add(new JsonObject().put("verticle", "kv").put("instances", 2)
      .put("threading", "event-loop").put("config", new JsonObject().put("address", "tcpgate.kv"))));
    gw.start(config).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);

    long started = System.nanoTime();
    List<Client> clients = new ArrayList<>();
    try (Selector selector = Selector.open()) {
      for (int c = 0; c < CONNECTIONS; c++) {
        clients.add(new Client(c, gw.port("kv"), selector));
      }
      run(selector, clients);
    } finally {
      for (Client client : clients) {
        client.channel.close();
      }
    }
    System.out.printf("kv %s: %d connections x %d commands in %d ms%n", dispatch, CONNECTIONS, OPERATIONS,
      TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    for (Client client : clients) {
      assertThat(client.answered).as("replies checked on connection %d", client.number).isEqualTo(OPERATIONS);
      assertThat(client.endOfStream).as("end of stream after the last reply on connection %d", client.number)
        .isTrue();
    }
    gw.awaitNothingHeld(10_000);
  }

  /** Drives every client until each has checked all its replies and seen the end of stream; fails on a stall. */
  private static void run(Selector selector, List<Client> clients) throws IOException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RUN_TIMEOUT_MS);
    long lastProgress = System.nanoTime();
    int running = clients.size();
    while (running > 0) {
      long now = System.nanoTime();
      if (now - lastProgress > TimeUnit.MILLISECONDS.toNanos(STALL_MS) || now > deadline) {
        throw new AssertionError("no progress for " + STALL_MS + " ms or over " + RUN_TIMEOUT_MS + " ms in all; "
          + running + " connection(s) unfinished: " + describe(clients));
      }
      if (selector.select(1_000) == 0) {
        continue;
      }
      for (SelectionKey key : selector.selectedKeys()) {
        Client client = (Client) key.attachment();
        if (key.isValid() && key.isReadable() && client.read()) {
          lastProgress = System.nanoTime();
        }
        if (key.isValid() && key.isWritable()) {
          client.write();
        }
        if (client.done()) {
          key.cancel();
          running--;
        } else if (key.isValid()) {
          key.interestOps(SelectionKey.OP_READ | (client.wantsToWrite() ? SelectionKey.OP_WRITE : 0));
        }
      }
      selector.selectedKeys().clear();
    }
  }

  private static String describe(List<Client> clients) {
    StringBuilder text = new StringBuilder();
    for (Client client : clients) {
      if (!client.done()) {
        text.append(" #").append(client.number).append(" sent ").append(client.sent).append(", answered ")
          .append(client.answered).append(';');
      }
    }
    return text.toString();
  }

  /** One connection: its commands, how far it wrote and read, and its reference model. */
  private static final class Client {

    final int number;
    final SocketChannel channel;
    private final String[] commands = new String[OPERATIONS];
    private final Map<String, String> model = new HashMap<>();
    private final ByteBuffer out = ByteBuffer.allocate(64 * 1024);
    private final ByteBuffer in = ByteBuffer.allocate(64 * 1024);
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    int sent;
    int answered;
    boolean endOfStream;
    private boolean outputShut;

    Client(int number, int port, Selector selector) throws IOException {
      this.number = number;
      Random random = new Random(7_919L * number);
      for (int i = 0; i < OPERATIONS; i++) {
        String key = "c" + number + "-k" + random.nextInt(KEYS);
        int pick = random.nextInt(10);
        if (pick < 4) {
          String value = random.nextInt(4) == 0 ? "v " + random.nextInt(100) + " spaced" : "v" + random.nextInt(1000);
          commands[i] = "SET " + key + " " + value;
        } else if (pick < 8) {
          commands[i] = "GET " + key;
        } else {
          commands[i] = "DEL " + key;
        }
      }
      out.flip();
      channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
      channel.configureBlocking(false);
      channel.register(selector, SelectionKey.OP_READ | SelectionKey.OP_WRITE, this);
    }

    boolean done() {
      return endOfStream;
    }

    boolean wantsToWrite() {
      return !outputShut && (out.hasRemaining() || sent - answered < WINDOW);
    }

    /** Writes commands while the window allows; half-closes once the last one is out. */
    void write() throws IOException {
      out.compact();
      while (sent < OPERATIONS && sent - answered < WINDOW) {
        byte[] command = (commands[sent] + "\n").getBytes(StandardCharsets.UTF_8);
        if (out.remaining() < command.length) {
          break;
        }
        out.put(command);
        sent++;
      }
      out.flip();
      channel.write(out);
      if (sent == OPERATIONS && !out.hasRemaining() && !outputShut) {
        channel.shutdownOutput();
        outputShut = true;
      }
    }

    /** Reads what arrived and checks each complete reply against the model; tells whether anything arrived. */
    boolean read() throws IOException {
      in.clear();
      int n = channel.read(in);
      if (n < 0) {
        if (answered < OPERATIONS) {
          throw new AssertionError("connection " + number + ": end of stream after " + answered + " of "
            + OPERATIONS + " replies");
        }
        endOfStream = true;
        return true;
      }
      in.flip();
      while (in.hasRemaining()) {
        byte b = in.get();
        if (b != '\n') {
          line.write(b);
          continue;
        }
        String reply = line.toString(StandardCharsets.UTF_8);
        line.reset();
        if (answered >= OPERATIONS) {
          throw new AssertionError("connection " + number + ": a reply after the last one: '" + reply + "'");
        }
        String expected = apply(model, commands[answered]);
        if (!expected.equals(reply)) {
          throw new AssertionError("connection " + number + ", command " + (answered + 1) + " '" + commands[answered]
            + "': expected '" + expected + "', got '" + reply + "'");
        }
        answered++;
      }
      return n > 0;
    }

    private static String apply(Map<String, String> model, String command) {
      String[] parts = command.split(" ", 3);
      switch (parts[0]) {
        case "SET":
          model.put(parts[1], parts[2]);
          return "OK";
        case "GET":
          return model.getOrDefault(parts[1], "NIL");
        case "DEL":
          return model.remove(parts[1]) != null ? "1" : "0";
        default:
          throw new IllegalArgumentException(command);
      }
    }
  }
}
