package io.tcpgate.reload;

import io.tcpgate.config.ConfigLoader;
import io.tcpgate.reload.ReloadResult.Outcome;
import io.tcpgate.testing.TestGateway;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 100 reloads in a row while clients keep sending: timeouts, error template, dispatch, limits and, every fifth time,
 * the number of instances (a new generation on the same socket, whose predecessor drains). Every frame a worker
 * processed reaches its client; a frame a client got no reply for was never processed; nothing is left behind.
 */
@ExtendWith(VertxExtension.class)
class ReloadUnderLoadTest {

  private static final int CLIENTS = 4;
  private static final int BATCH = 4;
  private static final int RELOADS = 100;

  @TempDir
  Path dir;

  private TestGateway gw;

  @AfterEach
  void tearDown(VertxTestContext ctx) {
    TestGateway.close(gw, ctx);
  }

  /**
   * The configuration of reload {@code i}: every reload sets a new request timeout, and one more key in turn: the
   * error template, the dispatch mode (ordered, parallel, pinned), maxInFlight, or the instances (1 or 2: a new
   * generation on the same socket).
   */
  private static JsonObject variant(int i) {
    String[] templates = {"ERR {code} {message}", "ERR {code}"};
    String[] dispatch = {"ordered", "parallel", "pinned"};
    int turns = i / 5;
    int templateTurns = turns + (i % 5 >= 1 ? 1 : 0);
    int dispatchTurns = turns + (i % 5 >= 2 ? 1 : 0);
    int inFlightTurns = turns + (i % 5 >= 3 ? 1 : 0);
    int instanceTurns = turns + (i % 5 >= 4 ? 1 : 0);
    JsonObject listener = TestGateway.listener("gate", "work")
      .put("requestTimeoutMs", 5_000 + i)
      .put("errorTemplate", templates[templateTurns % 2])
      .put("dispatch", dispatch[dispatchTurns % 3])
      .put("maxInFlight", inFlightTurns % 2 == 0 ? 64 : 128)
      .put("instances", instanceTurns % 2 == 0 ? 2 : 1);
    return TestGateway.config(listener);
  }

  private void write(JsonObject config) throws IOException {
    Path temp = dir.resolve("config.json.tmp");
    Files.writeString(temp, config.encode());
    Files.move(temp, dir.resolve("config.json"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  @Test
  void hundredReloadsUnderLoad_loseNoReply_andLeakNothing() throws Exception {
    Path file = dir.resolve("config.json");
    write(variant(0));
    gw = new TestGateway();
    Set<String> processed = ConcurrentHashMap.newKeySet();
    io.tcpgate.bus.PinnedConsumer.register(gw.vertx(), "work", message -> {
      processed.add(message.body().toString());
      message.reply(message.body());
    }).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    JsonObject json = ConfigLoader.loadJson(gw.vertx(), file.toString()).toCompletionStage().toCompletableFuture()
      .get(10, TimeUnit.SECONDS);
    gw.start(json).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    gw.app().reloadFrom(() -> ConfigLoader.loadJson(gw.vertx(), file.toString()), json);
    long fdsBefore = openFiles();
    int port = gw.port("gate");

    Set<String> answered = ConcurrentHashMap.newKeySet();
    Set<String> unanswered = ConcurrentHashMap.newKeySet();
    Set<String> refused = ConcurrentHashMap.newKeySet();
    List<String> wrong = new CopyOnWriteArrayList<>();
    List<Long> inPlaceMicros = new ArrayList<>();
    List<Long> generationMicros = new ArrayList<>();
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> clients = new ArrayList<>();
    for (int c = 0; c < CLIENTS; c++) {
      int client = c;
      Thread thread = new Thread(() -> {
        long n = 0;
        while (!stop.get()) {
          try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
              StandardCharsets.US_ASCII));
            while (!stop.get()) {
              List<String> batch = new ArrayList<>();
              StringBuilder bytes = new StringBuilder();
              for (int b = 0; b < BATCH; b++) {
                String body = "c" + client + "-" + n++;
                batch.add(body);
                bytes.append(body).append('\n');
              }
              out.write(bytes.toString().getBytes(StandardCharsets.US_ASCII));
              int read = 0;
              try {
                for (; read < BATCH; read++) {
                  String line = in.readLine();
                  if (line == null) {
                    break;
                  }
                  String expected = batch.get(read);
                  if (line.equals(expected)) {
                    answered.add(expected);
                  } else if (line.equals("ERR shutting-down")) {
                    refused.add(expected);
                  } else {
                    wrong.add(expected + " -> " + line);
                  }
                }
              } catch (IOException e) {
                // a connection reset while reading: what was not read is unanswered
              }
              if (read < BATCH) {
                unanswered.addAll(batch.subList(read, BATCH));
                break;
              }
            }
          } catch (IOException e) {
            wrong.add("client " + client + ": " + e);
          }
        }
      }, "reload-load-" + c);
      thread.start();
      clients.add(thread);
    }
    try {
      TestGateway.await("traffic flowing", 10_000, () -> answered.size() >= 100);
      for (int i = 1; i <= RELOADS; i++) {
        write(variant(i));
        long started = System.nanoTime();
        ReloadResult result = gw.app().reload("load test").toCompletionStage().toCompletableFuture()
          .get(20, TimeUnit.SECONDS);
        (i % 5 == 4 ? generationMicros : inPlaceMicros).add(TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - started));
        assertThat(result.outcome()).as("reload %d: %s", i, result.error()).isEqualTo(Outcome.APPLIED);
      }
      int before = answered.size();
      TestGateway.await("traffic still flowing after the reloads", 10_000, () -> answered.size() >= before + 100);
    } finally {
      stop.set(true);
      for (Thread thread : clients) {
        thread.join(30_000);
      }
    }
    assertThat(wrong).isEmpty();
    assertThat(gw.app().reloader().generation()).isEqualTo(RELOADS + 1);
    assertThat(answered.size()).isGreaterThan(200);
    Set<String> lost = new java.util.HashSet<>(processed);
    lost.removeAll(answered);
    assertThat(lost).as("frames a worker processed whose reply never reached the client").isEmpty();
    Set<String> unansweredButProcessed = new java.util.HashSet<>(unanswered);
    unansweredButProcessed.retainAll(processed);
    assertThat(unansweredButProcessed).as("frames without a reply were not processed").isEmpty();
    Set<String> refusedButProcessed = new java.util.HashSet<>(refused);
    refusedButProcessed.retainAll(processed);
    assertThat(refusedButProcessed).as("frames answered shutting-down were not processed").isEmpty();

    TestGateway.await("every old generation drained", 10_000, () -> gw.gateway().draining() == 0);
    gw.awaitNothingHeld(10_000);
    int instances = gw.gateway().listeners().get(0).instances();
    assertThat(gw.stats().listener("gate").servers()).as("NetServer instances listening").isEqualTo(instances);
    assertThat(gw.gateway().listenerInstances()).as("listener instances with their sweeper and probe timers: those of"
      + " retired generations stopped").isEqualTo(instances);
    assertThat(openFiles()).as("file descriptors").isLessThanOrEqualTo(fdsBefore + 16);
    System.out.printf("reload under load: %d reloads, %d frames answered, %d answered shutting-down, %d unanswered"
      + " at a drain's close; reload took (file read to applied) in place %s, new generation on the same socket %s%n",
      RELOADS, answered.size(), refused.size(), unanswered.size(), spread(inPlaceMicros), spread(generationMicros));
  }

  /** min / median / max in milliseconds. */
  private static String spread(List<Long> micros) {
    List<Long> sorted = micros.stream().sorted().toList();
    return String.format(java.util.Locale.ROOT, "%.1f / %.1f / %.1f ms (%d)", sorted.get(0) / 1000.0,
      sorted.get(sorted.size() / 2) / 1000.0, sorted.get(sorted.size() - 1) / 1000.0, sorted.size());
  }

  private static long openFiles() throws IOException {
    try (var files = Files.list(Path.of("/proc/self/fd"))) {
      return files.count();
    }
  }
}
