package io.tcpgate.cluster;

import io.tcpgate.testing.RawClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * A real cluster on loopback: two gateway nodes (role {@code gateway}: listeners only, and not even the test worker's
 * class on their classpath) and two worker nodes (role {@code worker}: {@link ClusterTestWorker} and the built-in
 * {@code kv}), four separate JVMs of the fat jar joined by Hazelcast TCP-IP on 127.0.0.1, driven by real TCP
 * clients. The cluster is started once for the class; the two tests that stop worker nodes run last and start
 * replacements. Frames through listener {@code work} time out after {@value #REQUEST_TIMEOUT_MS} ms, a silent member
 * is dropped after {@value #HEARTBEAT_TIMEOUT_SECONDS} s. See docs/CLUSTER.md.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterIT {

  /** Request timeout of listener {@code work}, which the failure tests load. */
  private static final int REQUEST_TIMEOUT_MS = 1_500;
  /** Request timeout of the other listeners: far above any reply time, even on a starved 2-core machine. */
  private static final int STEADY_REQUEST_TIMEOUT_MS = 15_000;
  private static final int HEARTBEAT_TIMEOUT_SECONDS = 3;
  /** The test worker answers after a random delay of up to this, so replies complete out of order. */
  private static final int MAX_DELAY_MS = 20;
  private static final String WORKER_CLASS = ClusterTestWorker.class.getName();
  /** Modest heap; C1 only and the serial collector, since six JVMs share two cores here. */
  private static final List<String> JVM_ARGS = List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
  private static final Pattern NODE_ID = Pattern.compile("[0-9a-f]{12}");

  @TempDir
  static Path dir;

  private static Path workerJar;
  /** Hazelcast ports: gateway A, gateway B, worker 1, worker 2. */
  private static int[] hazelcastPorts;
  private static ClusterNode gatewayA;
  private static ClusterNode gatewayB;
  private static ClusterNode worker1;
  private static ClusterNode worker2;
  private static final List<ClusterNode> EXTRA = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void startCluster() throws Exception {
    workerJar = ClusterWorkerJar.build(dir);
    hazelcastPorts = ClusterNode.freePorts(4);
    // all four start at once; each waits for the others through the TCP-IP member list
    gatewayA = startGateway("gateway-a", hazelcastPorts[0]);
    gatewayB = startGateway("gateway-b", hazelcastPorts[1]);
    worker1 = startWorker("w1", hazelcastPorts[2], true);
    worker2 = startWorker("w2", hazelcastPorts[3], false);
    for (ClusterNode node : List.of(gatewayA, gatewayB, worker1, worker2)) {
      node.awaitStarted();
    }
    for (ClusterNode node : List.of(gatewayA, gatewayB, worker1, worker2)) {
      node.awaitLine("Members \\{size:4, ");
    }
    // the gateways learn the workers' consumers through the cluster's subscription map: wait until both answer
    for (ClusterNode gateway : List.of(gatewayA, gatewayB)) {
      try (RawClient client = RawClient.connect(gateway.port("steady"))) {
        Set<String> nodes = new TreeSet<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!nodes.containsAll(List.of("w1", "w2"))) {
          if (System.nanoTime() > deadline) {
            fail("through %s only %s answered within 30 s", gateway.name(), nodes);
          }
          String reply = client.send("ME\n").readLine();
          if (reply.startsWith("ERR ")) {
            Thread.sleep(100);
          } else {
            nodes.add(reply.split(" ")[0]);
          }
        }
      }
    }
  }

  @AfterAll
  static void stopCluster() throws Exception {
    List<ClusterNode> all = new ArrayList<>(Arrays.asList(gatewayA, gatewayB, worker1, worker2));
    all.addAll(EXTRA);
    for (ClusterNode node : all) {
      if (node != null) {
        node.close();
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------------------

  @Test
  @Order(1)
  void frameEnteringAGatewayIsHandledOnAWorkerNodeAndTheReplyComesBack() throws Exception {
    JsonObject infoA = info(gatewayA);
    assertThat(infoA.getString("role")).isEqualTo("gateway");
    assertThat(infoA.getBoolean("clustered")).isTrue();
    assertThat(infoA.getJsonArray("workers")).as("workers deployed on gateway A").isEmpty();
    assertThat(infoA.getJsonArray("listeners").stream().map(l -> ((JsonObject) l).getString("name")).toList())
      .containsExactly("work", "steady", "push", "kv");
    JsonObject infoW1 = info(worker1);
    assertThat(infoW1.getString("role")).isEqualTo("worker");
    assertThat(infoW1.getJsonArray("listeners")).as("listeners bound on worker w1").isEmpty();
    assertThat(infoW1.getJsonArray("workers").stream().map(w -> ((JsonObject) w).getString("verticle")).toList())
      .contains(WORKER_CLASS);

    for (ClusterNode gateway : List.of(gatewayA, gatewayB)) {
      String gatewayNode = info(gateway).getString("node");
      Map<String, Integer> handledBy = new TreeMap<>();
      try (RawClient client = RawClient.connect(gateway.port("steady"))) {
        for (int i = 0; i < 20; i++) {
          String[] reply = client.send("ME\n").readLine().split(" ");
          assertThat(reply).as("reply to ME through %s", gateway.name()).hasSize(2);
          handledBy.merge(reply[0], 1, Integer::sum);
          // the connection id the worker saw belongs to this gateway node
          assertThat(reply[1]).startsWith(gatewayNode + "-");
        }
        assertThat(client.send("hello, cluster\n").readLine()).matches("w[12]:hello, cluster");
      }
      // round robin over the two worker nodes; the gateway (which has not even got the class) handled none
      assertThat(handledBy).as("frames through %s handled by", gateway.name()).containsOnlyKeys("w1", "w2");
    }
  }

  @Test
  @Order(2)
  void pipelinedFramesThroughEachGatewayComeBackInOrderWhileTwoWorkerNodesAnswerOutOfOrder() throws Exception {
    int frames = 500;
    List<ClusterNode> gateways = List.of(gatewayA, gatewayB, gatewayA, gatewayB);
    ExecutorService pool = Executors.newFixedThreadPool(gateways.size());
    try {
      List<Future<Map<String, Integer>>> results = new ArrayList<>();
      for (int c = 0; c < gateways.size(); c++) {
        int conn = c;
        int port = gateways.get(c).port("steady");
        results.add(pool.submit(() -> {
          Map<String, Integer> byNode = new TreeMap<>();
          try (RawClient client = RawClient.connect(port)) {
            StringBuilder all = new StringBuilder();
            for (int i = 0; i < frames; i++) {
              all.append("c").append(conn).append("-f").append(i).append('\n');
            }
            client.send(all.toString());
            for (int i = 0; i < frames; i++) {
              String reply = client.readLine();
              Matcher m = Pattern.compile("(w[12]):c" + conn + "-f" + i).matcher(reply);
              assertThat(m.matches()).as("reply %d on connection %d: %s", i, conn, reply).isTrue();
              byNode.merge(m.group(1), 1, Integer::sum);
            }
          }
          return byNode;
        }));
      }
      for (Future<Map<String, Integer>> result : results) {
        Map<String, Integer> byNode = result.get(60, TimeUnit.SECONDS);
        assertThat(byNode).as("worker nodes that answered one connection's %d frames", frames)
          .containsOnlyKeys("w1", "w2");
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  @Order(3)
  void keyValueSetThroughOneGatewayIsReadThroughTheOther() throws Exception {
    String run = Long.toString(System.nanoTime(), 36);
    try (RawClient a = RawClient.connect(gatewayA.port("kv")); RawClient b = RawClient.connect(gatewayB.port("kv"))) {
      for (int i = 0; i < 20; i++) {
        assertThat(a.send("SET " + run + "-" + i + " value " + i + "\n").readLine()).isEqualTo("OK");
      }
      for (int i = 0; i < 20; i++) {
        assertThat(b.send("GET " + run + "-" + i + "\n").readLine()).as("GET through gateway B")
          .isEqualTo("value " + i);
      }
      assertThat(b.send("DEL " + run + "-0\n").readLine()).isEqualTo("1");
      assertThat(a.send("GET " + run + "-0\n").readLine()).isEqualTo("NIL");
      assertThat(a.send("GET " + run + "-missing\n").readLine()).isEqualTo("NIL");
    }
  }

  @Test
  @Order(4)
  void workerNodesFollowLifecycleEventsPushToOneConnectionBroadcastToAllAndGetA404ForAClosedOne() throws Exception {
    int beforeW1 = worker1.lineCount();
    try (RawClient pushA = RawClient.connect(gatewayA.port("push"));
         RawClient pushB = RawClient.connect(gatewayB.port("push"));
         RawClient control = RawClient.connect(gatewayA.port("steady"))) {
      // welcome: w1 follows tcpgate.events and pushes to every new connection of listener 'push', wherever it is
      String idA = welcomed(pushA);
      String idB = welcomed(pushB);
      assertThat(idA).startsWith(info(gatewayA).getString("node") + "-");
      assertThat(idB).startsWith(info(gatewayB).getString("node") + "-");
      assertThat(pushA.send("ME\n").readLine()).matches("w[12] " + Pattern.quote(idA));
      worker1.awaitLine(Pattern.compile("welcome " + Pattern.quote(idA) + ": ok"), beforeW1, ClusterNode.WAIT);
      worker1.awaitLine(Pattern.compile("welcome " + Pattern.quote(idB) + ": ok"), beforeW1, ClusterNode.WAIT);

      // a request entering gateway A makes a worker node push to a connection on gateway B
      assertThat(control.send("PUSH " + idB + " hello from afar\n").readLine()).isEqualTo("PUSH ok");
      assertThat(pushB.readLine()).isEqualTo("hello from afar");

      // a broadcast published on a worker node reaches the listener's connections on both gateways, not others
      assertThat(control.send("BROADCAST push hello, everyone\n").readLine()).isEqualTo("BROADCAST sent");
      assertThat(pushA.readLine()).isEqualTo("hello, everyone");
      assertThat(pushB.readLine()).isEqualTo("hello, everyone");
      assertThat(control.send("ME\n").readLine()).as("next line on a 'steady' connection").matches("w[12] \\S+");

      // push and close
      assertThat(control.send("PUSHCLOSE " + idA + " goodbye\n").readLine()).isEqualTo("PUSH ok");
      assertThat(pushA.readLine()).isEqualTo("goodbye");
      assertThat(pushA.awaitClosedByServer()).as("closed after the pushed goodbye").isTrue();

      // a push to a connection that has gone is answered with a failure, 404
      pushB.close();
      String outcome = null;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (System.nanoTime() < deadline) {
        outcome = control.send("PUSH " + idB + " too late\n").readLine();
        if (!"PUSH ok".equals(outcome)) {
          break;
        }
        Thread.sleep(50); // the gateway may not have seen the FIN yet
      }
      assertThat(outcome).isEqualTo("PUSH failed 404 RECIPIENT_FAILURE");
      assertThat(control.send("PUSH " + idA + " also too late\n").readLine())
        .isEqualTo("PUSH failed 404 RECIPIENT_FAILURE");

      // lifecycle events reach a consumer on another node, with the reason of each close
      worker1.awaitLine(Pattern.compile("closed " + Pattern.quote(idA) + ": server"), beforeW1, ClusterNode.WAIT);
      worker1.awaitLine(Pattern.compile("closed " + Pattern.quote(idB) + ": client"), beforeW1, ClusterNode.WAIT);
    }
  }

  /** Reads the welcome line pushed to a new 'push' connection and returns the connection id it names. */
  private static String welcomed(RawClient client) throws IOException {
    String line = client.readLine();
    Matcher m = Pattern.compile("welcome (" + NODE_ID + "-[0-9a-z]+)").matcher(line);
    assertThat(m.matches()).as("first line on a 'push' connection: %s", line).isTrue();
    return m.group(1);
  }

  @Test
  @Order(5)
  void workerNodeStoppedGracefullyMidLoadAnswersWhatItHoldsAndFramesReachItsReplacement() throws Exception {
    Loads loads = Loads.start(gatewayA, gatewayB, gatewayA, gatewayB);
    long stopped;
    long restarted;
    try {
      loads.await("every load gets OK replies from w1 and w2", 20,
        load -> load.recentAllOk(20) && load.seenSince(0, "w1") && load.seenSince(0, "w2"));

      // SIGTERM, as in a rolling update: the worker verticles stop taking requests and answer those they hold
      // (ClusterTestWorker's drainOnStop), then the node leaves the cluster and exits 0
      stopped = System.nanoTime();
      int from = worker2.lineCount();
      worker2.signal("TERM");
      assertThat(worker2.awaitExit()).as("exit code of w2 after SIGTERM; output:%n%s", worker2.output()).isZero();
      List<String> drained = worker2.lines().subList(from, worker2.lineCount()).stream()
        .filter(line -> line.contains("stopped: ")).toList();
      assertThat(drained).as("the two ClusterTestWorker instances of w2, when they stopped").hasSize(2)
        .allMatch(line -> line.contains("stopped: 0 request(s) left unanswered"));
      loads.await("after w2 stopped, w1 alone answers every frame", 30, load -> load.okRunSince(stopped, "w1", 30));

      // the replacement joins (same name and Hazelcast port) and gets frames again
      EXTRA.add(worker2);
      restarted = System.nanoTime();
      worker2 = startWorker("w2", hazelcastPorts[3], false);
      worker2.awaitStarted();
      loads.await("frames reach the new w2", 30, load -> load.seenSince(restarted, "w2") && load.recentAllOk(10));
    } finally {
      loads.stop();
    }
    loads.verifyContract();
    // A frame the gateway routes to w2 in the instant it unregisters is dropped by the receiving event bus: Vert.x
    // answers nothing for a remote message without a local handler (that frame gets ERR timeout), or, for one its
    // stopping consumer discards, answers at once (ERR busy: not processed, safe to send again). No more.
    for (Load load : loads.all) {
      assertThat(load.count(r -> r.text.equals("ERR no-handler"))).as("load %d: ERR no-handler with w1 up", load.id)
        .isZero();
      assertThat(load.count(r -> r.text.equals("ERR timeout") && r.nanos < stopped)).as("load %d: ERR timeout"
        + " before the stop", load.id).isZero();
      assertThat(load.count(r -> r.text.equals("ERR busy") && r.nanos < stopped)).as("load %d: ERR busy"
        + " before the stop", load.id).isZero();
    }
  }

  @Test
  @Order(6)
  @Timeout(value = 150, unit = TimeUnit.SECONDS)
  void workerNodesHangingOrKilledMidLoadGiveEveryFrameExactlyOneReplyAndFramesReachRestartedNodes() throws Exception {
    Loads loads = Loads.start(gatewayA, gatewayB, gatewayA, gatewayB);
    try {
      loads.await("every load gets OK replies from w1 and w2", 20,
        load -> load.recentAllOk(20) && load.seenSince(0, "w1") && load.seenSince(0, "w2"));

      // w1 hangs (SIGSTOP): its sockets stay open, so only the heartbeat timeout tells the cluster; meanwhile the
      // frames sent to it get ERR timeout, then w2 alone answers every frame
      long frozen = System.nanoTime();
      worker1.freeze();
      loads.await("after w1 froze, frames time out, then w2 alone answers every frame", 30,
        load -> load.errorSince(frozen, "ERR timeout") && load.okRunSince(frozen, "w2", 30));
      System.out.printf("w1 frozen: w2 alone answered every load after %d ms%n",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - frozen));
      worker1.kill9();

      // w2 dies (SIGKILL): the kernel resets its connections, the cluster drops it at once
      long killed2 = System.nanoTime();
      worker2.kill9();
      // no worker left: every frame still gets its reply, an error, and the connections stay usable
      loads.await("after w2 was killed too, frames get ERR no-handler", 30,
        load -> load.errorSince(killed2, "ERR no-handler") && load.recentAll(5, "ERR no-handler"));
      System.out.printf("w2 killed: ERR no-handler for every load after %d ms%n",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed2));
      assertThat(gatewayA.isAlive() && gatewayB.isAlive()).as("gateways alive").isTrue();

      // restart both worker nodes (same Hazelcast ports, new names): frames reach them again
      long restarted = System.nanoTime();
      ClusterNode w3 = startWorker("w3", hazelcastPorts[2], true);
      EXTRA.add(w3);
      ClusterNode w4 = startWorker("w4", hazelcastPorts[3], false);
      EXTRA.add(w4);
      w3.awaitStarted();
      w4.awaitStarted();
      loads.await("frames reach the restarted worker nodes w3 and w4 again", 30,
        load -> load.seenSince(restarted, "w3") && load.seenSince(restarted, "w4") && load.recentAllOk(10));
      System.out.printf("w3 and w4 (re)started: answering every load after %d ms%n",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restarted));
    } finally {
      loads.stop();
    }
    loads.verifyContract();
    for (Load load : loads.all) {
      assertThat(load.count(r -> r.text.startsWith("w1:"))).as("load %d: OK from w1", load.id).isPositive();
      assertThat(load.count(r -> r.text.equals("ERR timeout"))).as("load %d: ERR timeout (frozen w1)", load.id)
        .isPositive();
      assertThat(load.count(r -> r.text.equals("ERR no-handler"))).as("load %d: ERR no-handler (no worker left)",
        load.id).isPositive();
    }
    assertThat(gatewayA.isAlive() && gatewayB.isAlive()).as("gateways alive").isTrue();
  }

  /** One {@link Load} per gateway given, each on its own thread. */
  private static final class Loads {

    final List<Load> all = new ArrayList<>();
    final List<Thread> threads = new ArrayList<>();

    static Loads start(ClusterNode... gateways) {
      Loads loads = new Loads();
      for (ClusterNode gateway : gateways) {
        Load load = new Load(loads.all.size(), gateway.name(), gateway.port("work"));
        Thread thread = new Thread(load, "load-" + load.id);
        thread.setDaemon(true);
        loads.all.add(load);
        loads.threads.add(thread);
        thread.start();
      }
      return loads;
    }

    void await(String what, int seconds, Predicate<Load> condition) throws InterruptedException {
      awaitAll(all, what, seconds, condition);
    }

    void stop() throws InterruptedException {
      all.forEach(Load::stop);
      for (Thread thread : threads) {
        thread.join(TimeUnit.SECONDS.toMillis(20));
      }
    }

    /**
     * Every frame got exactly one reply: its own {@code <node>:<frame>}, ERR timeout, ERR busy or ERR no-handler, in
     * order.
     */
    void verifyContract() {
      for (Load load : all) {
        assertThat(threads.get(load.id).isAlive()).as("load %d finished", load.id).isFalse();
        System.out.println("load " + load.id + " via " + load.gateway + ": " + load.summary());
        assertThat(load.violations).as("load %d via %s: replies that break the contract (of %d frames)", load.id,
          load.gateway, load.sent).isEmpty();
        assertThat(load.replies).as("load %d: one reply per frame", load.id).hasSize(load.sent);
        assertThat(load.extraBytesAfterTheEnd).as("load %d: bytes after the last reply", load.id).isZero();
      }
      assertThat(gatewayA.isAlive() && gatewayB.isAlive()).as("gateways alive").isTrue();
    }
  }

  private static void awaitAll(List<Load> loads, String what, int seconds, Predicate<Load> condition)
    throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!loads.stream().allMatch(condition)) {
      for (Load load : loads) {
        if (!load.violations.isEmpty()) {
          fail("load %d via %s broke the contract while waiting until %s: %s", load.id, load.gateway, what,
            load.violations);
        }
      }
      if (System.nanoTime() > deadline) {
        fail("not within %d s: %s; loads: %s", seconds, what,
          loads.stream().map(l -> l.id + " " + l.summary() + " recent " + l.recent(10))
            .collect(Collectors.joining("; ")));
      }
      Thread.sleep(100);
    }
  }

  /**
   * One connection sending frames in batches of {@link #BATCH} (pipelined) and reading each batch's replies before
   * the next, every read bounded: each reply must be the frame's own {@code <node>:<frame>}, {@code ERR timeout},
   * {@code ERR busy} (a worker node's event bus discarded it, unprocessed) or {@code ERR no-handler}, in the frames'
   * order.
   */
  private static final class Load implements Runnable {

    static final int BATCH = 4;
    /** A read waits this long at most: far beyond the request timeout, so only a hung connection hits it. */
    static final int READ_TIMEOUT_MS = 10_000;

    final int id;
    final String gateway;
    final int port;
    final List<Reply> replies = new CopyOnWriteArrayList<>();
    final List<String> violations = new CopyOnWriteArrayList<>();
    volatile int sent;
    volatile int extraBytesAfterTheEnd;
    private volatile boolean stopped;

    Load(int id, String gateway, int port) {
      this.id = id;
      this.gateway = gateway;
      this.port = port;
    }

    record Reply(long nanos, int frame, String text) {
    }

    @Override
    public void run() {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        socket.setSoTimeout(READ_TIMEOUT_MS);
        socket.setTcpNoDelay(true);
        InputStream in = new BufferedInputStream(socket.getInputStream());
        OutputStream out = socket.getOutputStream();
        int next = 0;
        while (!stopped && violations.isEmpty()) {
          StringBuilder batch = new StringBuilder();
          for (int i = 0; i < BATCH; i++) {
            batch.append(frame(next + i)).append('\n');
          }
          out.write(batch.toString().getBytes(StandardCharsets.UTF_8));
          out.flush();
          sent = next + BATCH;
          boolean anyOk = false;
          for (int i = 0; i < BATCH; i++, next++) {
            String text;
            try {
              text = readLine(in);
            } catch (SocketTimeoutException e) {
              violations.add("no reply to frame " + next + " within " + READ_TIMEOUT_MS + " ms (hung)");
              return;
            }
            if (text == null) {
              violations.add("connection closed by the gateway before the reply to frame " + next);
              return;
            }
            replies.add(new Reply(System.nanoTime(), next, text));
            if (text.matches("w\\d:" + Pattern.quote(frame(next)))) {
              anyOk = true;
            } else if (!text.equals("ERR timeout") && !text.equals("ERR busy") && !text.equals("ERR no-handler")) {
              violations.add("frame " + next + " (" + frame(next) + ") got '" + text + "'");
            }
          }
          if (!anyOk) {
            Thread.sleep(5); // no worker answers: do not spin on error replies, the restarting nodes need the CPU
          }
        }
        // nothing more may arrive: exactly one reply per frame
        socket.setSoTimeout(500);
        try {
          int b = in.read();
          extraBytesAfterTheEnd = b < 0 ? 0 : 1;
        } catch (SocketTimeoutException e) {
          extraBytesAfterTheEnd = 0;
        }
      } catch (IOException e) {
        violations.add("I/O error: " + e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    String frame(int n) {
      return "load" + id + "-" + n;
    }

    void stop() {
      stopped = true;
    }

    List<String> recent(int n) {
      List<Reply> all = replies;
      return all.subList(Math.max(0, all.size() - n), all.size()).stream().map(Reply::text).toList();
    }

    boolean recentAllOk(int n) {
      List<String> recent = recent(n);
      return recent.size() == n && recent.stream().allMatch(t -> t.matches("w\\d:.*"));
    }

    boolean recentAll(int n, String text) {
      List<String> recent = recent(n);
      return recent.size() == n && recent.stream().allMatch(text::equals);
    }

    boolean seenSince(long nanos, String node) {
      return replies.stream().anyMatch(r -> r.nanos >= nanos && r.text.startsWith(node + ":"));
    }

    boolean errorSince(long nanos, String error) {
      return replies.stream().anyMatch(r -> r.nanos >= nanos && r.text.equals(error));
    }

    /** The last {@code n} replies, all received after {@code nanos}, all OK from {@code node}. */
    boolean okRunSince(long nanos, String node, int n) {
      List<Reply> all = replies;
      if (all.size() < n) {
        return false;
      }
      return all.subList(all.size() - n, all.size()).stream()
        .allMatch(r -> r.nanos >= nanos && r.text.startsWith(node + ":"));
    }

    long count(Predicate<Reply> p) {
      return replies.stream().filter(p).count();
    }

    String summary() {
      Map<String, Long> byKind = new TreeMap<>(replies.stream()
        .collect(Collectors.groupingBy(r -> r.text.startsWith("ERR") ? r.text : r.text.split(":")[0],
          Collectors.counting())));
      return sent + " frames, " + replies.size() + " replies " + byKind;
    }

    private static String readLine(InputStream in) throws IOException {
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      while (true) {
        int b = in.read();
        if (b < 0) {
          return null;
        }
        if (b == '\n') {
          return line.toString(StandardCharsets.UTF_8);
        }
        line.write(b);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------------------

  private static JsonObject info(ClusterNode node) throws IOException, InterruptedException {
    HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + node.adminPort() + "/info")).timeout(Duration.ofSeconds(10)).build(),
      HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("GET /info of %s", node.name()).isEqualTo(200);
    return new JsonObject(response.body());
  }

  private static ClusterNode startGateway(String name, int hazelcastPort) throws IOException {
    JsonObject config = base("gateway", hazelcastPort)
      .put("listeners", new JsonArray()
        // the failure tests' listener: a short request timeout, so frames to dead nodes come back quickly
        .add(listener("work", "cluster.work").put("body", "string").put("requestTimeoutMs", REQUEST_TIMEOUT_MS))
        // the same workers with a long request timeout, where a timeout would only mean a starved machine
        .add(listener("steady", "cluster.work").put("body", "string"))
        .add(listener("push", "cluster.work").put("body", "string"))
        .add(listener("kv", "tcpgate.kv").put("body", "string")));
    Path file = ClusterNode.writeConfig(dir, name + ".json", config.encodePrettily());
    // the gateways run the bare jar: they cannot handle a frame themselves
    return ClusterNode.start(name, file, JVM_ARGS);
  }

  private static ClusterNode startWorker(String node, int hazelcastPort, boolean welcome) throws IOException {
    JsonArray workers = new JsonArray()
      .add(new JsonObject().put("verticle", WORKER_CLASS).put("instances", 2).put("threading", "event-loop")
        .put("config", new JsonObject().put("address", "cluster.work").put("node", node)
          .put("maxDelayMs", MAX_DELAY_MS).put("drainOnStop", true)))
      .add(new JsonObject().put("verticle", "kv").put("config", new JsonObject().put("address", "tcpgate.kv")));
    if (welcome) {
      // one instance on one node, so each new connection is welcomed once
      workers.add(new JsonObject().put("verticle", WORKER_CLASS).put("instances", 1).put("threading", "event-loop")
        .put("config", new JsonObject().put("address", "cluster.welcomer." + node).put("node", node)
          .put("welcomeListener", "push")));
    }
    JsonObject config = base("worker", hazelcastPort).put("workers", workers);
    Path file = ClusterNode.writeConfig(dir, node + ".json", config.encodePrettily());
    return ClusterNode.start(node, file, JVM_ARGS, workerJar);
  }

  private static JsonObject base(String role, int hazelcastPort) {
    JsonArray members = new JsonArray();
    for (int port : hazelcastPorts) {
      members.add("127.0.0.1:" + port);
    }
    return new JsonObject()
      .put("admin", new JsonObject().put("host", "127.0.0.1").put("port", 0))
      .put("defaults", new JsonObject().put("requestTimeoutMs", STEADY_REQUEST_TIMEOUT_MS))
      .put("shutdown", new JsonObject().put("drainTimeoutMs", 1_000))
      .put("cluster", new JsonObject()
        .put("enabled", true)
        .put("role", role)
        .put("host", "127.0.0.1")
        .put("port", 0)
        .put("hazelcastPort", hazelcastPort)
        .put("members", members)
        .put("heartbeatTimeoutSeconds", HEARTBEAT_TIMEOUT_SECONDS));
  }

  private static JsonObject listener(String name, String address) {
    return new JsonObject().put("name", name).put("host", "127.0.0.1").put("port", 0).put("family", "ipv4")
      .put("framing", new JsonObject().put("kind", "lines")).put("address", address);
  }
}
