package io.tcpgate.cluster;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What the extra network hop of the clustered layout costs: the same closed-loop load (N connections, one frame in
 * flight each, a 16-byte line echoed by the built-in {@code echo}) against
 * <ol>
 *   <li>{@code standalone}: one process, listeners and workers together, no cluster;</li>
 *   <li>{@code clustered-all}: one clustered node with role {@code all} (Hazelcast running, delivery still local);</li>
 *   <li>{@code gateway+worker}: a gateway node and a worker node, every frame crossing the clustered event bus.</li>
 * </ol>
 * Each layout runs in fresh JVMs ({@code -Xmx256m}) on loopback, with a warm-up before the measured period.
 * Not a test: run it by hand after {@code mvn package test-compile}:
 * <pre>
 * java -cp target/tcpgate.jar:target/test-classes io.tcpgate.cluster.HopCostBenchmark \
 *     [connections=20] [seconds=10] [warmupSeconds=5] [rounds=3]
 * </pre>
 * The layouts run interleaved, round after round, and the medians are reported: on a shared machine a burst of
 * other load then hits one round, not one layout.
 */
public final class HopCostBenchmark {

  private static final List<String> JVM_ARGS = List.of("-Xms256m", "-Xmx256m");
  private static final byte[] PAYLOAD = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  private HopCostBenchmark() {
  }

  public static void main(String[] args) throws Exception {
    int connections = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 3;
    Path dir = Files.createTempDirectory("tcpgate-hop");
    System.out.printf("%d connections x 1 in flight, %d s measured after %d s warm-up, 16-byte lines, echo;"
      + " %d round(s), the layouts interleaved%n", connections, seconds, warmup, rounds);
    List<String> layouts = List.of("standalone", "clustered-all", "gateway+worker");
    List<List<Result>> byLayout = new ArrayList<>();
    layouts.forEach(l -> byLayout.add(new ArrayList<>()));
    for (int round = 1; round <= rounds; round++) {
      for (int i = 0; i < layouts.size(); i++) {
        Result r = run(layouts.get(i), dir, connections, seconds, warmup);
        r.layout = layouts.get(i) + " (round " + round + ")";
        byLayout.get(i).add(r);
      }
    }
    System.out.println();
    System.out.println("| layout | frames/s | p50 µs | p99 µs | p99.9 µs | errors |");
    System.out.println("|---|---:|---:|---:|---:|---:|");
    List<Result> medians = new ArrayList<>();
    for (int i = 0; i < layouts.size(); i++) {
      for (Result r : byLayout.get(i)) {
        System.out.println(r.row());
      }
      Result median = Result.median(layouts.get(i) + " (median)", byLayout.get(i));
      medians.add(median);
    }
    for (Result median : medians) {
      System.out.println(median.row());
    }
    Result base = medians.get(0);
    Result hop = medians.get(2);
    System.out.printf(Locale.ROOT, "%ngateway+worker vs standalone (medians): throughput x%.2f, p50 x%.2f,"
      + " p99 x%.2f%n", hop.throughput / base.throughput, (double) hop.p50 / base.p50, (double) hop.p99 / base.p99);
  }

  private static Result run(String layout, Path dir, int connections, int seconds, int warmup) throws Exception {
    int[] hz = ClusterNode.freePorts(2);
    String members = "\"127.0.0.1:" + hz[0] + "\", \"127.0.0.1:" + hz[1] + "\"";
    String listener = """
      "listeners": [{"name": "echo", "host": "127.0.0.1", "port": 0, "family": "ipv4", "address": "tcpgate.echo"}]""";
    String workers = """
      "workers": [{"verticle": "echo", "instances": 4, "threading": "event-loop"}]""";
    List<ClusterNode> nodes = new ArrayList<>();
    try {
      ClusterNode front;
      switch (layout) {
        case "standalone" -> {
          front = ClusterNode.start(layout, ClusterNode.writeConfig(dir, layout + ".json",
            "{\"admin\": {\"enabled\": false}, " + listener + ", " + workers + "}"), JVM_ARGS);
          nodes.add(front);
        }
        case "clustered-all" -> {
          front = ClusterNode.start(layout, ClusterNode.writeConfig(dir, layout + ".json",
            "{\"admin\": {\"enabled\": false}, " + cluster("all", hz[0], "\"127.0.0.1:" + hz[0] + "\"") + ", "
              + listener + ", " + workers + "}"), JVM_ARGS);
          nodes.add(front);
        }
        case "gateway+worker" -> {
          front = ClusterNode.start("gateway", ClusterNode.writeConfig(dir, "gateway.json",
            "{\"admin\": {\"enabled\": false}, " + cluster("gateway", hz[0], members) + ", " + listener + "}"),
            JVM_ARGS);
          nodes.add(front);
          ClusterNode worker = ClusterNode.start("worker", ClusterNode.writeConfig(dir, "worker.json",
            "{\"admin\": {\"enabled\": false}, " + cluster("worker", hz[1], members) + ", " + workers + "}"),
            JVM_ARGS);
          nodes.add(worker);
          worker.awaitStarted();
        }
        default -> throw new IllegalArgumentException(layout);
      }
      front.awaitStarted();
      int port = front.port("echo");
      awaitEcho(port);
      System.out.printf("%s: warming up %d s%n", layout, warmup);
      measure(port, connections, warmup);
      System.out.printf("%s: measuring %d s%n", layout, seconds);
      Result result = measure(port, connections, seconds);
      result.layout = layout;
      System.out.println("  " + result.row());
      return result;
    } finally {
      for (ClusterNode node : nodes) {
        node.stop();
      }
    }
  }

  private static String cluster(String role, int hazelcastPort, String members) {
    return "\"cluster\": {\"enabled\": true, \"role\": \"" + role + "\", \"host\": \"127.0.0.1\", \"hazelcastPort\": "
      + hazelcastPort + ", \"members\": [" + members + "]}";
  }

  /** Waits until a frame is echoed (the worker's consumer has reached the gateway). */
  private static void awaitEcho(int port) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    try (Socket socket = connect(port)) {
      InputStream in = new BufferedInputStream(socket.getInputStream());
      while (true) {
        socket.getOutputStream().write("ping\n".getBytes(StandardCharsets.US_ASCII));
        if ("ping".equals(readLine(in))) {
          return;
        }
        if (System.nanoTime() > deadline) {
          throw new AssertionError("no echo within 60 s");
        }
        Thread.sleep(200);
      }
    }
  }

  private static Result measure(int port, int connections, int seconds) throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    long[][] latencies = new long[connections][];
    int[] counts = new int[connections];
    int[] errors = new int[connections];
    CountDownLatch done = new CountDownLatch(connections);
    CountDownLatch ready = new CountDownLatch(connections);
    for (int c = 0; c < connections; c++) {
      int conn = c;
      Thread thread = new Thread(() -> {
        long[] mine = new long[1 << 16];
        int n = 0;
        try (Socket socket = connect(port)) {
          OutputStream out = socket.getOutputStream();
          InputStream in = new BufferedInputStream(socket.getInputStream());
          byte[] frame = Arrays.copyOf(PAYLOAD, PAYLOAD.length + 1);
          frame[PAYLOAD.length] = '\n';
          ready.countDown();
          ready.await();
          while (!stop.get()) {
            long start = System.nanoTime();
            out.write(frame);
            String reply = readLine(in);
            long took = System.nanoTime() - start;
            if (reply == null || reply.length() != PAYLOAD.length) {
              errors[conn]++;
              if (reply == null) {
                break;
              }
            }
            if (n == mine.length) {
              mine = Arrays.copyOf(mine, n * 2);
            }
            mine[n++] = took;
          }
        } catch (IOException | InterruptedException e) {
          errors[conn]++;
        } finally {
          latencies[conn] = mine;
          counts[conn] = n;
          done.countDown();
        }
      }, "hop-load-" + c);
      thread.start();
    }
    ready.await(30, TimeUnit.SECONDS);
    long start = System.nanoTime();
    Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
    stop.set(true);
    done.await(30, TimeUnit.SECONDS);
    double elapsed = (System.nanoTime() - start) / 1e9;
    int total = Arrays.stream(counts).sum();
    long[] all = new long[total];
    int at = 0;
    for (int c = 0; c < connections; c++) {
      System.arraycopy(latencies[c], 0, all, at, counts[c]);
      at += counts[c];
    }
    Arrays.sort(all);
    Result r = new Result();
    r.throughput = total / elapsed;
    r.p50 = percentile(all, 0.50);
    r.p99 = percentile(all, 0.99);
    r.p999 = percentile(all, 0.999);
    r.errors = Arrays.stream(errors).sum();
    return r;
  }

  private static long percentile(long[] sorted, double q) {
    if (sorted.length == 0) {
      return 0;
    }
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
  }

  private static Socket connect(int port) throws IOException {
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    socket.setTcpNoDelay(true);
    socket.setSoTimeout(10_000);
    return socket;
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    while (true) {
      int b = in.read();
      if (b < 0) {
        return null;
      }
      if (b == '\n') {
        return line.toString();
      }
      line.append((char) b);
    }
  }

  private static final class Result {
    String layout;
    double throughput;
    long p50;
    long p99;
    long p999;
    int errors;

    /** The median of each column on its own. */
    static Result median(String layout, List<Result> results) {
      Result m = new Result();
      m.layout = layout;
      m.throughput = results.stream().mapToDouble(r -> r.throughput).sorted().toArray()[results.size() / 2];
      m.p50 = results.stream().mapToLong(r -> r.p50).sorted().toArray()[results.size() / 2];
      m.p99 = results.stream().mapToLong(r -> r.p99).sorted().toArray()[results.size() / 2];
      m.p999 = results.stream().mapToLong(r -> r.p999).sorted().toArray()[results.size() / 2];
      m.errors = results.stream().mapToInt(r -> r.errors).sum();
      return m;
    }

    String row() {
      return String.format(Locale.ROOT, "| %s | %,.0f | %d | %d | %d | %d |", layout, throughput, p50 / 1000,
        p99 / 1000, p999 / 1000, errors);
    }
  }
}
