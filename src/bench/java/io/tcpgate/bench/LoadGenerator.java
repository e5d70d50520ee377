package io.tcpgate.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnknownHostException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * tcpgate's load generator: drives an echo service over framed TCP on loopback and reports throughput, latency,
 * errors and the server's CPU and memory. Java NIO with one or two selector threads, no thread per connection.
 *
 * <pre>
 * java -cp CP io.tcpgate.bench.LoadGenerator --port P [--host 127.0.0.1|::1] [--connections 50] [--pipeline 1]
 *      [--size 16] [--framing lines|length-prefixed] [--duration 10 | --requests N] [--warmup 2] [--rate R]
 *      [--threads 1] [--server-pid PID] [--worker-pid PID] [--json] [--label k=v,...]
 * java -cp CP io.tcpgate.bench.LoadGenerator --port P --scale K --server-pid PID [--admin-port A] [--batch 500]
 * java -cp CP io.tcpgate.bench.LoadGenerator --port P --connect-rate [--connections 50] [--tls-trust CERT.pem] ...
 * </pre>
 *
 * <p><b>Load mode.</b> Opens the connections, runs {@code --warmup} seconds unmeasured, then measures for
 * {@code --duration} seconds (or until {@code --requests} replies), then stops sending and waits up to
 * {@code --drain} seconds for the replies still in flight. Closed loop by default: {@code --pipeline} requests in
 * flight per connection. With {@code --rate R} requests are due at a fixed rate over all connections and latency is
 * measured from the time each request was due, so a stalled server is not hidden by a stalled client (no coordinated
 * omission); {@code --pipeline} then caps the requests in flight per connection, and requests due while a
 * connection is at its cap wait (their wait counts in their latency). When requests are due less than 1.5 ms apart
 * (per selector thread) the loop polls instead of blocking, so sends are late by well under 0.1 ms; that polling
 * costs client CPU. Every reply is checked: it must be exactly the
 * payload of the request it answers, in order. Mismatches, {@code ERR} replies, disconnects, failed connects and
 * requests never answered are errors.
 *
 * <p><b>Server figures.</b> With {@code --server-pid}, the server's user+system CPU time (fields 14 and 15 of
 * /proc/PID/stat, in clock ticks of {@code getconf CLK_TCK}) is read right before and right after the measured
 * window: CPU microseconds per request is the steadiest figure on a shared machine. VmRSS is read at the end.
 * With {@code --worker-pid}, the same figures of a second process that serves the requests with the server (a worker
 * outside the JVM, behind tcpgate's event-bus bridge) are reported apart, under {@code worker}; neither counts as
 * other load.
 *
 * <p><b>Scale mode</b> ({@code --scale K}): reads the server's memory before connecting; opens K idle connections
 * in batches, waiting after each batch until the server has accepted them (its descriptor count), and reads again;
 * sends one frame on each and reads again; then {@code --traffic-frames} (10) more frames on each, one at a time, and
 * reads again, to show whether the heap grows with traffic on idle connections (10 frames on each of 15,000
 * connections make a leak of 100 bytes per frame 15 MB, well above the few MB by which the live heap varies between
 * readings). Each reading follows a full GC ({@code jcmd PID GC.run}; two before the
 * baseline) and takes VmRSS, the live heap ({@code jcmd PID GC.heap_info}), and the RSS split into Java-heap pages
 * and everything else (/proc/PID/smaps against the heap's address range); with {@code --admin-port}, tcpgate's heap
 * gauge too when it exports one. Reports KiB per connection of each: raw RSS growth depends on which heap pages the
 * JVM had already touched, so non-heap RSS + live heap is the steadier cost of a connection.
 *
 * <p><b>Connect-rate mode</b> ({@code --connect-rate}): {@code --connections} loops each open a connection (with
 * {@code --tls-trust}, a TLS one), send one frame, read its reply and close, again and again; reports connections per
 * second, connect-to-reply latency and server CPU per connection. See {@link ConnectLoad}.
 *
 * <p>Only loopback targets are accepted. Every phase is bounded in time; the generator always stops by itself.
 * The result goes to stdout, as one JSON line with {@code --json} (a one-line summary then goes to stderr).
 */
public final class LoadGenerator {

  static final int MAX_CONNECTIONS = 19_500;

  private static final String USAGE = String.join("\n",
      "usage: LoadGenerator --port P [--host 127.0.0.1|::1] [--connections C] [--pipeline P] [--size S]",
      "         [--framing lines|length-prefixed] [--duration SECONDS | --requests N] [--warmup SECONDS]",
      "         [--rate REQ_PER_S] [--threads 1|2] [--server-pid PID [--server-threads]] [--worker-pid PID]",
      "         [--drain SECONDS] [--json]",
      "         [--label k=v,...]",
      "       LoadGenerator --port P --scale K --server-pid PID [--admin-port A] [--batch B] [--settle SECONDS]",
      "         [--traffic-frames 10] [--no-gc] [--framing ...] [--size S] [--json]",
      "       LoadGenerator --port P --connect-rate [--connections C] [--tls-trust CERT.pem [--tls-client-warmup 2]]",
      "         [--duration SECONDS]",
      "         [--warmup SECONDS] [--server-pid PID] [--framing ...] [--size S] [--json] [--label k=v,...]");

  private LoadGenerator() {
  }

  /** The command line. */
  static final class Options {
    String host = "127.0.0.1";
    int port = -1;
    int connections = 50;
    int pipeline = 1;
    int size = 16;
    Payload.Framing framing = Payload.Framing.LINES;
    double duration = -1;
    long requests = 0;
    double warmup = 2;
    double rate = 0;
    int threads = 1;
    long serverPid = 0;
    long workerPid = 0;
    int adminPort = -1;
    int scale = 0;
    int batch = 500;
    double settle = 2;
    boolean gc = true;
    int trafficFrames = 10;
    double drain = 10;
    double timeout = 300;
    double connectTimeout = 30;
    boolean json;
    boolean connectRate;
    String tlsTrust;
    double tlsClientWarmup = 2;
    boolean serverThreads;
    boolean help;
    JsonObject labels = new JsonObject();

    static Options parse(String[] args) {
      Options o = new Options();
      for (int i = 0; i < args.length; i++) {
        String arg = args[i];
        String value = null;
        int eq = arg.indexOf('=');
        if (arg.startsWith("--") && eq > 0) {
          value = arg.substring(eq + 1);
          arg = arg.substring(0, eq);
        }
        switch (arg) {
          case "--json":
            o.json = true;
            continue;
          case "--no-gc":
            o.gc = false;
            continue;
          case "--server-threads":
            o.serverThreads = true;
            continue;
          case "--connect-rate":
            o.connectRate = true;
            continue;
          case "-h":
          case "--help":
            o.help = true;
            continue;
          default:
            break;
        }
        if (value == null) {
          if (i + 1 >= args.length) {
            throw new IllegalArgumentException(arg + " needs a value");
          }
          value = args[++i];
        }
        switch (arg) {
          case "--host": o.host = value; break;
          case "--port": o.port = intIn(arg, value, 1, 65535); break;
          case "--connections": o.connections = intIn(arg, value, 1, MAX_CONNECTIONS); break;
          case "--pipeline": o.pipeline = intIn(arg, value, 1, 1 << 20); break;
          case "--size": o.size = intIn(arg, value, 0, Payload.MAX_REPLY); break;
          case "--framing": o.framing = Payload.Framing.parse(value); break;
          case "--duration": o.duration = doubleIn(arg, value, 0.1, 86_400); break;
          case "--requests": o.requests = longIn(arg, value, 1, Long.MAX_VALUE / 2); break;
          case "--warmup": o.warmup = doubleIn(arg, value, 0, 3_600); break;
          case "--rate": o.rate = doubleIn(arg, value, 0, 1e9); break;
          case "--threads": o.threads = intIn(arg, value, 1, 16); break;
          case "--server-pid": o.serverPid = longIn(arg, value, 1, Long.MAX_VALUE); break;
          case "--worker-pid": o.workerPid = longIn(arg, value, 1, Long.MAX_VALUE); break;
          case "--admin-port": o.adminPort = intIn(arg, value, 1, 65535); break;
          case "--scale": o.scale = intIn(arg, value, 1, MAX_CONNECTIONS); break;
          case "--batch": o.batch = intIn(arg, value, 1, MAX_CONNECTIONS); break;
          case "--settle": o.settle = doubleIn(arg, value, 0, 600); break;
          case "--traffic-frames": o.trafficFrames = intIn(arg, value, 1, 1000); break;
          case "--drain": o.drain = doubleIn(arg, value, 0, 600); break;
          case "--timeout": o.timeout = doubleIn(arg, value, 1, 86_400); break;
          case "--connect-timeout": o.connectTimeout = doubleIn(arg, value, 1, 600); break;
          case "--label": o.labels = parseLabels(o.labels, value); break;
          case "--tls-trust": o.tlsTrust = value; break;
          case "--tls-client-warmup": o.tlsClientWarmup = doubleIn(arg, value, 0, 600); break;
          default: throw new IllegalArgumentException("unknown option " + arg);
        }
      }
      if (o.help) {
        return o;
      }
      if (o.port < 0) {
        throw new IllegalArgumentException("--port is required");
      }
      if (o.duration > 0 && o.requests > 0) {
        throw new IllegalArgumentException("give --duration or --requests, not both");
      }
      if (o.duration < 0 && o.requests == 0) {
        o.duration = 10;
      }
      if (o.connectRate) {
        if (o.scale > 0 || o.requests > 0 || o.rate > 0 || o.pipeline != 1) {
          throw new IllegalArgumentException("--connect-rate runs for --duration, one request per connection: no "
              + "--scale, --requests, --rate or --pipeline");
        }
        if (o.connections > ConnectLoad.MAX_LOOPS) {
          throw new IllegalArgumentException("--connect-rate runs one thread per connection loop: at most "
              + ConnectLoad.MAX_LOOPS + " --connections");
        }
      } else if (o.tlsTrust != null) {
        throw new IllegalArgumentException("--tls-trust is for --connect-rate only");
      }
      if (o.scale > 0 && o.serverPid == 0) {
        throw new IllegalArgumentException("--scale needs --server-pid (to read the server's memory)");
      }
      loopback(o.host);
      return o;
    }

    private static JsonObject parseLabels(JsonObject labels, String value) {
      for (String pair : value.split(",")) {
        int eq = pair.indexOf('=');
        if (eq <= 0) {
          throw new IllegalArgumentException("--label wants k=v[,k=v...], got '" + value + "'");
        }
        labels.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
      }
      return labels;
    }

    private static int intIn(String name, String value, int min, int max) {
      return (int) longIn(name, value, min, max);
    }

    private static long longIn(String name, String value, long min, long max) {
      long v;
      try {
        v = Long.parseLong(value.trim().replace("_", ""));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(name + " wants an integer, got '" + value + "'");
      }
      if (v < min || v > max) {
        throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", got " + v);
      }
      return v;
    }

    private static double doubleIn(String name, String value, double min, double max) {
      double v;
      try {
        v = Double.parseDouble(value.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(name + " wants a number, got '" + value + "'");
      }
      if (!(v >= min && v <= max)) {
        throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", got " + value);
      }
      return v;
    }
  }

  public static void main(String[] args) {
    Options o;
    try {
      o = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("LoadGenerator: " + e.getMessage());
      System.err.println(USAGE);
      System.exit(2);
      return;
    }
    if (o.help) {
      System.out.println(USAGE);
      return;
    }
    JsonObject result;
    try {
      result = o.connectRate ? new ConnectLoad(o).run() : o.scale > 0 ? new ScaleRun(o).run() : new LoadRun(o).run();
    } catch (Exception e) {
      System.err.println("LoadGenerator: " + e);
      e.printStackTrace();
      System.exit(1);
      return;
    }
    if (o.json) {
      System.out.println(result.encode());
      System.err.println(Summary.oneLine(result));
    } else {
      System.out.println(Summary.text(result));
    }
    System.out.flush();
    System.exit(0);
  }

  /** Resolves the target, refusing anything but the loopback literals 127.0.0.1 and ::1. */
  static InetAddress loopback(String host) {
    String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    if (!h.equals("127.0.0.1") && !h.equals("::1")) {
      throw new IllegalArgumentException("--host must be 127.0.0.1 or ::1: the load generator only targets loopback"
          + " (got '" + host + "')");
    }
    try {
      InetAddress address = InetAddress.getByName(h);
      if (!address.isLoopbackAddress()) {
        throw new IllegalArgumentException(host + " is not a loopback address");
      }
      return address;
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(e.getMessage());
    }
  }

  private static double seconds(long nanos) {
    return nanos / 1e9;
  }

  static void sleepUntil(long deadlineNanos) {
    long left;
    while ((left = deadlineNanos - System.nanoTime()) > 0) {
      try {
        TimeUnit.NANOSECONDS.sleep(Math.min(left, 100_000_000L));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** CPU of a process over a window; optionally per thread, grouped by thread name. */
  static final class CpuWindow {
    private final long pid;
    private final boolean threads;
    private long[] before;
    private long[] after;
    private final Map<Long, String> names = new HashMap<>();
    private Map<Long, long[]> threadsBefore;
    private Map<Long, long[]> threadsAfter;

    CpuWindow(long pid) {
      this(pid, false);
    }

    CpuWindow(long pid, boolean threads) {
      this.pid = pid;
      this.threads = threads && pid > 0;
    }

    void start() {
      if (threads) {
        threadsBefore = ProcStats.threadTicks(pid, names);
      }
      before = pid > 0 ? ProcStats.cpuTicks(pid) : null;
    }

    void stop() {
      after = pid > 0 ? ProcStats.cpuTicks(pid) : null;
      if (threads) {
        threadsAfter = ProcStats.threadTicks(pid, names);
      }
    }

    /**
     * CPU seconds per thread group over the window (digits in thread names folded to #), largest first:
     * {@code {"group": {"threads": n, "userS": u, "sysS": s}}}.
     */
    JsonObject threadGroups() {
      Map<String, double[]> groups = new TreeMap<>();
      double tick = ProcStats.clockTicks();
      for (Map.Entry<Long, long[]> e : threadsAfter.entrySet()) {
        long[] b = threadsBefore.getOrDefault(e.getKey(), new long[2]);
        String group = names.getOrDefault(e.getKey(), "?").replaceAll("\\d+", "#");
        double[] g = groups.computeIfAbsent(group, k -> new double[3]);
        g[0]++;
        g[1] += (e.getValue()[0] - b[0]) / tick;
        g[2] += (e.getValue()[1] - b[1]) / tick;
      }
      List<Map.Entry<String, double[]>> sorted = new ArrayList<>(groups.entrySet());
      sorted.sort((x, y) -> Double.compare(y.getValue()[1] + y.getValue()[2], x.getValue()[1] + x.getValue()[2]));
      JsonObject json = new JsonObject();
      for (Map.Entry<String, double[]> e : sorted) {
        json.put(e.getKey(), new JsonObject().put("threads", (int) e.getValue()[0])
            .put("userS", round(e.getValue()[1], 2)).put("sysS", round(e.getValue()[2], 2)));
      }
      return json;
    }

    boolean known() {
      return before != null && after != null;
    }

    double userSeconds() {
      return (after[0] - before[0]) / (double) ProcStats.clockTicks();
    }

    double systemSeconds() {
      return (after[1] - before[1]) / (double) ProcStats.clockTicks();
    }

    JsonObject toJson(long requests) {
      JsonObject json = new JsonObject().put("pid", pid);
      if (!known()) {
        return json.putNull("cpuS");
      }
      double cpu = userSeconds() + systemSeconds();
      json.put("cpuS", round(cpu, 3)).put("userS", round(userSeconds(), 3))
          .put("sysS", round(systemSeconds(), 3))
          .put("cpuUsPerReq", requests > 0 ? round(cpu * 1e6 / requests, 3) : null);
      if (threads && threadsBefore != null && threadsAfter != null) {
        json.put("threads", threadGroups());
      }
      return json;
    }
  }

  static double round(double v, int decimals) {
    double scale = Math.pow(10, decimals);
    return Math.round(v * scale) / scale;
  }

  /** Opens connections in batches of non-blocking connects. */
  static final class Connector {
    final List<SocketChannel> channels = new ArrayList<>();
    int failures;
    String firstError;
    double seconds;
    boolean acceptLagged;
    private int pending;

    /**
     * @param serverPid when &gt; 0, waits after each batch until the server holds that many more descriptors, i.e.
     *                  has accepted the batch (up to {@code timeoutNanos} per batch)
     */
    static Connector open(InetSocketAddress target, int count, int batch, long serverPid, long timeoutNanos,
                          PrintStream progress) throws IOException {
      Connector c = new Connector();
      long t0 = System.nanoTime();
      int baseFds = serverPid > 0 ? ProcStats.fdCount(serverPid) : -1;
      StandardProtocolFamily family = target.getAddress().getAddress().length == 4
          ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6;
      try (Selector selector = Selector.open()) {
        int done = 0;
        while (done < count) {
          int n = Math.min(batch, count - done);
          for (int i = 0; i < n; i++) {
            SocketChannel ch = SocketChannel.open(family);
            try {
              ch.configureBlocking(false);
              ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
              if (ch.connect(target)) {
                c.channels.add(ch);
              } else {
                ch.register(selector, SelectionKey.OP_CONNECT);
                c.pending++;
              }
            } catch (IOException e) {
              c.failed(e);
              ch.close();
            }
          }
          long deadline = System.nanoTime() + timeoutNanos;
          while (c.pending > 0 && System.nanoTime() < deadline) {
            selector.select(c::finish, 100);
          }
          for (SelectionKey key : selector.keys()) {
            if (key.isValid()) {
              key.cancel();
              key.channel().close();
              c.failed(new IOException("connect timed out"));
              c.pending--;
            }
          }
          selector.selectNow();
          done += n;
          if (baseFds >= 0) {
            int want = baseFds + c.channels.size();
            long acceptDeadline = System.nanoTime() + timeoutNanos;
            int fds;
            while ((fds = ProcStats.fdCount(serverPid)) >= 0 && fds < want && System.nanoTime() < acceptDeadline) {
              sleepUntil(System.nanoTime() + 50_000_000L);
            }
            if (fds >= 0 && fds < want) {
              c.acceptLagged = true;
            }
          }
          if (progress != null && count >= 2_000) {
            progress.printf(Locale.ROOT, "  connected %d/%d (%d failed) after %.1f s%n", c.channels.size(), count,
                c.failures, seconds(System.nanoTime() - t0));
          }
        }
      }
      c.seconds = seconds(System.nanoTime() - t0);
      return c;
    }

    private void finish(SelectionKey key) {
      SocketChannel ch = (SocketChannel) key.channel();
      try {
        if (ch.finishConnect()) {
          key.cancel();
          channels.add(ch);
          pending--;
        }
      } catch (IOException e) {
        key.cancel();
        pending--;
        failed(e);
        try {
          ch.close();
        } catch (IOException ignored) {
          // nothing to do
        }
      }
    }

    private void failed(IOException e) {
      failures++;
      if (firstError == null) {
        firstError = e.toString();
      }
    }
  }

  /** Counters summed over workers. */
  static final class Totals {
    final Histogram histogram = new Histogram(1, 3_600_000_000_000L, 3);
    long sent;
    long received;
    long measured;
    long mismatches;
    long errorReplies;
    long disconnects;
    long unanswered;
    long protocolErrors;
    long unexpected;
    long backlog;
    String firstBadReply;
    String workerFailure;

    void add(LoadWorker w) {
      histogram.add(w.histogram);
      sent += w.sent;
      received += w.received;
      measured += w.measured;
      mismatches += w.mismatches;
      errorReplies += w.errorReplies;
      disconnects += w.disconnects;
      unanswered += Math.max(0, w.inFlight) + w.lost;
      protocolErrors += w.protocolErrors;
      unexpected += w.unexpected;
      backlog += w.rateMode() ? w.backlog() : 0;
      if (firstBadReply == null) {
        firstBadReply = w.firstBadReply;
      }
      if (workerFailure == null && w.failure != null) {
        workerFailure = w.failure.toString();
      }
    }

    long errors(int connectFailures) {
      // unexpected replies are already counted as mismatches or ERR replies
      return mismatches + errorReplies + disconnects + unanswered + protocolErrors + connectFailures
          + (workerFailure != null ? 1 : 0);
    }

    JsonObject errorDetail(Connector c) {
      JsonObject json = new JsonObject()
          .put("mismatches", mismatches)
          .put("errReplies", errorReplies)
          .put("disconnects", disconnects)
          .put("connectFailures", c.failures)
          .put("unanswered", unanswered)
          .put("protocolErrors", protocolErrors)
          .put("unexpectedReplies", unexpected);
      if (firstBadReply != null) {
        json.put("firstBadReply", firstBadReply);
      }
      if (c.firstError != null) {
        json.put("firstConnectError", c.firstError);
      }
      if (workerFailure != null) {
        json.put("workerFailure", workerFailure);
      }
      return json;
    }

    JsonObject latencyMicros() {
      return LoadGenerator.latencyMicros(histogram);
    }
  }

  /** The percentiles, max and mean of {@code histogram} (nanoseconds) in microseconds; empty when it is. */
  static JsonObject latencyMicros(Histogram histogram) {
    JsonObject json = new JsonObject();
    if (histogram.getTotalCount() == 0) {
      return json;
    }
    return json
        .put("p50", us(histogram.getValueAtPercentile(50)))
        .put("p90", us(histogram.getValueAtPercentile(90)))
        .put("p99", us(histogram.getValueAtPercentile(99)))
        .put("p999", us(histogram.getValueAtPercentile(99.9)))
        .put("max", us(histogram.getMaxValue()))
        .put("mean", us((long) histogram.getMean()));
  }

  private static double us(long nanos) {
    return round(nanos / 1000.0, 1);
  }

  /** The load mode. */
  static final class LoadRun {
    private final Options o;

    LoadRun(Options o) {
      this.o = o;
    }

    JsonObject run() throws IOException, InterruptedException {
      InetSocketAddress target = new InetSocketAddress(loopback(o.host), o.port);
      Payload payload = new Payload(o.framing, o.size);
      Connector opened = Connector.open(target, o.connections, o.batch, -1,
          (long) (o.connectTimeout * 1e9), o.json ? null : System.err);
      if (opened.channels.isEmpty()) {
        throw new IOException("no connection to " + target + " could be opened: " + opened.firstError);
      }
      int threads = Math.min(o.threads, opened.channels.size());
      List<List<SocketChannel>> shares = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        shares.add(new ArrayList<>());
      }
      for (int i = 0; i < opened.channels.size(); i++) {
        shares.get(i % threads).add(opened.channels.get(i));
      }
      LoadWorker.Control control = new LoadWorker.Control();
      int frame = payload.frameLength();
      int readBuffer = (int) Math.min(64 * 1024, Math.max(4096, 2L * o.pipeline * (frame + 8)));
      int writeBuffer = (int) Math.min(64 * 1024, Math.max(1024, (long) o.pipeline * frame));
      List<LoadWorker> workers = new ArrayList<>();
      List<Thread> workerThreads = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        double rate = o.rate > 0 ? o.rate * shares.get(i).size() / opened.channels.size() : 0;
        LoadWorker w = new LoadWorker(shares.get(i), control, payload, o.pipeline, rate, readBuffer, writeBuffer);
        workers.add(w);
        Thread t = new Thread(w, "load-" + i);
        t.setDaemon(true);
        workerThreads.add(t);
      }
      CpuWindow server = new CpuWindow(o.serverPid, o.serverThreads);
      CpuWindow worker = new CpuWindow(o.workerPid);
      CpuWindow client = new CpuWindow(ProcessHandle.current().pid());

      control.startNanos = System.nanoTime();
      for (Thread t : workerThreads) {
        t.start();
      }
      sleepUntil(control.startNanos + (long) (o.warmup * 1e9));

      server.start();
      worker.start();
      client.start();
      long machineBefore = ProcStats.machineBusyTicks();
      long windowStartMs = System.currentTimeMillis();
      long measureStart = System.nanoTime();
      control.phase = LoadWorker.MEASURE;
      if (o.requests > 0) {
        long deadline = measureStart + (long) (o.timeout * 1e9);
        while (control.measured.get() < o.requests && System.nanoTime() < deadline && anyAlive(workerThreads)) {
          Thread.sleep(1);
        }
      } else {
        long end = measureStart + (long) (o.duration * 1e9);
        while (System.nanoTime() < end && anyAlive(workerThreads)) {
          sleepUntil(Math.min(end, System.nanoTime() + 100_000_000L));
        }
      }
      control.phase = LoadWorker.DRAIN;
      long measureEnd = System.nanoTime();
      long windowEndMs = System.currentTimeMillis();
      long machineAfter = ProcStats.machineBusyTicks();
      server.stop();
      worker.stop();
      client.stop();

      long drainDeadline = System.nanoTime() + (long) (o.drain * 1e9);
      for (Thread t : workerThreads) {
        t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(drainDeadline - System.nanoTime())));
      }
      control.phase = LoadWorker.STOP;
      for (Thread t : workerThreads) {
        t.join(10_000);
      }
      long rss = o.serverPid > 0 ? ProcStats.rssKiB(o.serverPid) : -1;
      long workerRss = o.workerPid > 0 ? ProcStats.rssKiB(o.workerPid) : -1;

      Totals totals = new Totals();
      for (LoadWorker w : workers) {
        totals.add(w);
        w.close();
      }
      double window = seconds(measureEnd - measureStart);
      long requests = totals.measured;
      JsonObject serverJson = server.toJson(requests);
      if (rss >= 0) {
        serverJson.put("rssKiB", rss);
      }
      JsonObject workerJson = null;
      if (o.workerPid > 0) {
        workerJson = worker.toJson(requests);
        if (workerRss >= 0) {
          workerJson.put("rssKiB", workerRss);
        }
      }
      return new JsonObject()
          .put("mode", "load")
          .put("labels", o.labels)
          .put("target", target.getAddress().getHostAddress() + ":" + o.port)
          .put("framing", o.framing.configName)
          .put("connections", o.connections)
          .put("connected", opened.channels.size())
          .put("pipeline", o.pipeline)
          .put("size", o.size)
          .put("rate", o.rate)
          .put("threads", threads)
          .put("warmupS", o.warmup)
          .put("windowS", round(window, 3))
          .put("windowStartMs", windowStartMs)
          .put("windowEndMs", windowEndMs)
          .put("requests", requests)
          .put("throughput", round(requests / window, 1))
          .put("latencyUs", totals.latencyMicros())
          .put("errors", totals.errors(opened.failures))
          .put("errorDetail", totals.errorDetail(opened))
          .put("backlog", o.rate > 0 ? totals.backlog : null)
          .put("sentTotal", totals.sent)
          .put("receivedTotal", totals.received)
          .put("server", serverJson)
          .put("worker", workerJson)
          .put("client", client.toJson(requests))
          .put("machine", machine(machineBefore, machineAfter, window, server, worker, client));
    }

    /**
     * CPU of the whole machine over the window, in cores, and the part used by neither the server nor this load
     * generator (nor the worker process, if one was given): other processes competing for the same cores.
     */
    static JsonObject machine(long before, long after, double window, CpuWindow server, CpuWindow worker,
                                      CpuWindow client) {
      JsonObject json = new JsonObject().put("cpus", Runtime.getRuntime().availableProcessors());
      if (before < 0 || after < 0) {
        return json;
      }
      double busy = (after - before) / (double) ProcStats.clockTicks() / window;
      json.put("busyCores", round(busy, 2));
      if (server.known() && client.known()) {
        double ours = (server.userSeconds() + server.systemSeconds() + client.userSeconds()
            + client.systemSeconds() + (worker.known() ? worker.userSeconds() + worker.systemSeconds() : 0)) / window;
        json.put("otherCores", round(Math.max(0, busy - ours), 2));
      }
      return json;
    }

    private static boolean anyAlive(List<Thread> threads) {
      for (Thread t : threads) {
        if (t.isAlive()) {
          return true;
        }
      }
      return false;
    }
  }

  /** The connection-scale mode. */
  static final class ScaleRun {
    private final Options o;

    ScaleRun(Options o) {
      this.o = o;
    }

    JsonObject run() throws IOException {
      InetSocketAddress target = new InetSocketAddress(loopback(o.host), o.port);
      Payload payload = new Payload(o.framing, o.size);
      PrintStream progress = System.err;
      JsonArray stages = new JsonArray();
      JsonObject before = stage("before", 0);
      stages.add(before);
      Map<String, long[]> classesBefore = ProcStats.classHistogram(o.serverPid);
      progress.printf(Locale.ROOT, "  before: RSS %d KiB, heap %s%n", before.getLong("rssKiB"),
          mib(before.getLong("heapUsedBytes")));

      Connector opened = Connector.open(target, o.scale, o.batch, o.serverPid, (long) (o.connectTimeout * 1e9),
          progress);
      int k = opened.channels.size();
      sleepUntil(System.nanoTime() + (long) (o.settle * 1e9));
      JsonObject idle = stage("idle", k);
      stages.add(idle);
      JsonArray classesIdle = classesPerConn(classesBefore, ProcStats.classHistogram(o.serverPid), k, 15);
      progress.printf(Locale.ROOT, "  idle (%d connections): RSS %d KiB, heap %s%n", k, idle.getLong("rssKiB"),
          mib(idle.getLong("heapUsedBytes")));

      LoadWorker.Control control = new LoadWorker.Control();
      control.phase = LoadWorker.MEASURE;
      LoadWorker worker = new LoadWorker(opened.channels, control, payload, 1, 0, 512, 256);
      JsonObject after1;
      JsonObject after2;
      boolean complete1;
      boolean complete2;
      long roundTimeout = TimeUnit.SECONDS.toNanos(60);
      try {
        long t1 = System.nanoTime();
        complete1 = worker.roundTrip(roundTimeout);
        double round1 = seconds(System.nanoTime() - t1);
        sleepUntil(System.nanoTime() + (long) (o.settle * 1e9));
        after1 = stage("after1", k).put("roundS", round(round1, 3)).put("complete", complete1);
        stages.add(after1);
        progress.printf(Locale.ROOT, "  after one frame each (%.2f s): RSS %d KiB, heap %s%n", round1,
            after1.getLong("rssKiB"), mib(after1.getLong("heapUsedBytes")));
        long t2 = System.nanoTime();
        complete2 = true;
        for (int i = 0; i < o.trafficFrames && complete2; i++) {
          complete2 = worker.roundTrip(roundTimeout);
        }
        double round2 = seconds(System.nanoTime() - t2);
        sleepUntil(System.nanoTime() + (long) (o.settle * 1e9));
        after2 = stage("traffic", k).put("frames", o.trafficFrames).put("roundS", round(round2, 3))
            .put("complete", complete2);
        stages.add(after2);
        progress.printf(Locale.ROOT, "  after %d more frames each, one at a time (%.2f s): RSS %d KiB, heap %s%n",
            o.trafficFrames, round2, after2.getLong("rssKiB"), mib(after2.getLong("heapUsedBytes")));
      } finally {
        worker.close();
      }
      Totals totals = new Totals();
      totals.add(worker);

      JsonObject rssPerConn = new JsonObject();
      JsonObject nonHeapPerConn = new JsonObject();
      JsonObject heapPerConn = new JsonObject();
      JsonObject memPerConn = new JsonObject();
      for (JsonObject s : new JsonObject[] {idle, after1}) {
        String name = s.getString("name");
        rssPerConn.put(name, perConn(s, before, "rssKiB", 1, k));
        Double nonHeap = perConn(s, before, "nonHeapRssKiB", 1, k);
        Double heap = perConn(s, before, "heapUsedBytes", 1024, k);
        nonHeapPerConn.put(name, nonHeap);
        heapPerConn.put(name, heap);
        memPerConn.put(name, nonHeap != null && heap != null ? round(nonHeap + heap, 2) : null);
      }
      Long heapGrowth = after1.getLong("heapUsedBytes") >= 0 && after2.getLong("heapUsedBytes") >= 0
          ? after2.getLong("heapUsedBytes") - after1.getLong("heapUsedBytes") : null;
      return new JsonObject()
          .put("mode", "scale")
          .put("labels", o.labels)
          .put("target", target.getAddress().getHostAddress() + ":" + o.port)
          .put("framing", o.framing.configName)
          .put("size", o.size)
          .put("requested", o.scale)
          .put("connected", k)
          .put("connectS", round(opened.seconds, 2))
          .put("acceptLagged", opened.acceptLagged)
          .put("gcBeforeReading", o.gc)
          .put("stages", stages)
          .put("rssKiBPerConn", rssPerConn)
          .put("nonHeapRssKiBPerConn", nonHeapPerConn)
          .put("heapKiBPerConn", heapPerConn)
          .put("memKiBPerConn", memPerConn)
          .put("trafficFrames", o.trafficFrames)
          .put("heapGrowthTrafficBytes", heapGrowth)
          .put("idleHeapClassesPerConn", classesIdle)
          .put("latencyUs", totals.latencyMicros())
          .put("errors", totals.errors(opened.failures))
          .put("errorDetail", totals.errorDetail(opened))
          .put("server", new JsonObject().put("pid", o.serverPid));
    }

    /**
     * Reads the server's memory after (unless --no-gc) a full GC: VmRSS, how much of the RSS is Java heap pages and
     * how much is not (from /proc/PID/smaps and the heap's address range), and the live heap. The first reading
     * runs two full GCs, so that memory a full GC touches the first time is already resident at the baseline.
     */
    private JsonObject stage(String name, int connections) {
      long pid = o.serverPid;
      if (!ProcStats.alive(pid)) {
        throw new IllegalStateException("server process " + pid + " is gone");
      }
      int fds = ProcStats.fdCount(pid);
      if (o.gc) {
        ProcStats.fullGc(pid);
        if (connections == 0) {
          ProcStats.fullGc(pid);
        }
      }
      ProcStats.HeapInfo heap = ProcStats.heapInfo(pid);
      long rss = ProcStats.rssKiB(pid);
      long[] split = ProcStats.rssSplitKiB(pid, heap.start(), heap.end());
      JsonObject json = new JsonObject()
          .put("name", name)
          .put("connections", connections)
          .put("rssKiB", rss)
          .put("heapUsedBytes", heap.usedBytes())
          .put("metricsHeapBytes", ProcStats.metricsHeapBytes(o.adminPort))
          .put("fds", fds);
      if (split != null && heap.start() >= 0) {
        json.put("heapRssKiB", split[1]).put("nonHeapRssKiB", split[0] - split[1]);
      }
      return json;
    }

    /**
     * The classes whose live bytes grew most between two histograms, per connection: {@code [{class, bytes,
     * instances}]}, the largest {@code top} first.
     */
    private static JsonArray classesPerConn(Map<String, long[]> before, Map<String, long[]> after, int k, int top) {
      JsonArray out = new JsonArray();
      if (k <= 0 || before.isEmpty() || after.isEmpty()) {
        return out;
      }
      after.entrySet().stream()
          .map(e -> {
            long[] b = before.getOrDefault(e.getKey(), new long[2]);
            return Map.entry(e.getKey(), new long[] {e.getValue()[0] - b[0], e.getValue()[1] - b[1]});
          })
          .sorted((x, y) -> Long.compare(y.getValue()[1], x.getValue()[1]))
          .limit(top)
          .forEach(e -> out.add(new JsonObject().put("class", e.getKey())
              .put("bytes", round(e.getValue()[1] / (double) k, 1))
              .put("instances", round(e.getValue()[0] / (double) k, 2))));
      return out;
    }

    /** Per connection, KiB: (stage - before) / k for a field, or null. */
    private static Double perConn(JsonObject stage, JsonObject before, String field, double unit, int k) {
      Long now = stage.getLong(field);
      Long base = before.getLong(field);
      if (k <= 0 || now == null || base == null || now < 0 || base < 0) {
        return null;
      }
      return round((now - base) / unit / k, 2);
    }

    private static String mib(Long bytes) {
      return bytes == null || bytes < 0 ? "n/a" : String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }
  }

  /** Human-readable renderings of a result. */
  static final class Summary {
    private Summary() {
    }

    static String oneLine(JsonObject r) {
      if ("connect".equals(r.getString("mode"))) {
        JsonObject lat = r.getJsonObject("latencyUs");
        JsonObject server = r.getJsonObject("server");
        return String.format(Locale.ROOT, "%s connect-rate%s %d loops: %.0f conn/s p50 %s p99 %s max %s us "
                + "(connect to reply); server %s us/conn (user %s s, sys %s s), RSS %s KiB; client %s us/conn; "
                + "other load %s cores; errors %d%s",
            r.getString("target"), r.getBoolean("tls") ? " TLS" : "", r.getInteger("connections"),
            r.getDouble("throughput"), lat.getValue("p50"), lat.getValue("p99"), lat.getValue("max"),
            server.getValue("cpuUsPerConn"), server.getValue("userS"), server.getValue("sysS"),
            server.getValue("rssKiB"), r.getJsonObject("client").getValue("cpuUsPerConn"),
            r.getJsonObject("machine").getValue("otherCores"), r.getLong("errors"),
            r.getLong("errors") > 0 ? " " + r.getJsonObject("errorDetail").encode() : "");
      }
      if ("scale".equals(r.getString("mode"))) {
        JsonObject rss = r.getJsonObject("rssKiBPerConn");
        JsonObject heap = r.getJsonObject("heapKiBPerConn");
        JsonObject nonHeap = r.getJsonObject("nonHeapRssKiBPerConn");
        JsonObject mem = r.getJsonObject("memKiBPerConn");
        return String.format(Locale.ROOT, "%s scale %d/%d: KiB/conn idle: RSS %s = non-heap RSS %s + live heap %s "
                + "-> %s; after 1 frame: RSS %s, non-heap %s + heap %s -> %s; heap growth over %s more frames each %s B; "
                + "errors %d",
            r.getString("target"), r.getInteger("connected"), r.getInteger("requested"), rss.getValue("idle"),
            nonHeap.getValue("idle"), heap.getValue("idle"), mem.getValue("idle"), rss.getValue("after1"),
            nonHeap.getValue("after1"), heap.getValue("after1"), mem.getValue("after1"),
            r.getValue("trafficFrames"), r.getValue("heapGrowthTrafficBytes"), r.getLong("errors"));
      }
      JsonObject lat = r.getJsonObject("latencyUs");
      JsonObject server = r.getJsonObject("server");
      JsonObject worker = r.getJsonObject("worker");
      return String.format(Locale.ROOT, "%s %s %dx%d %dB: %.0f req/s p50 %s p99 %s p99.9 %s max %s us; "
              + "server %s us/req (user %s s, sys %s s), RSS %s KiB;%s client %s us/req; other load %s cores; "
              + "errors %d",
          r.getString("target"), r.getString("framing"), r.getInteger("connected"), r.getInteger("pipeline"),
          r.getInteger("size"), r.getDouble("throughput"), lat.getValue("p50"), lat.getValue("p99"),
          lat.getValue("p999"), lat.getValue("max"), server.getValue("cpuUsPerReq"), server.getValue("userS"),
          server.getValue("sysS"), server.getValue("rssKiB"),
          worker == null ? "" : String.format(Locale.ROOT, " worker %s us/req (user %s s, sys %s s), RSS %s KiB;",
              worker.getValue("cpuUsPerReq"), worker.getValue("userS"), worker.getValue("sysS"),
              worker.getValue("rssKiB")),
          r.getJsonObject("client").getValue("cpuUsPerReq"), r.getJsonObject("machine").getValue("otherCores"),
          r.getLong("errors"));
    }

    static String text(JsonObject r) {
      StringBuilder out = new StringBuilder(oneLine(r)).append('\n');
      JsonObject errors = r.getJsonObject("errorDetail");
      if (r.getLong("errors") > 0) {
        out.append("error detail: ").append(errors.encode()).append('\n');
      }
      out.append(r.encodePrettily());
      return out.toString();
    }
  }
}
