package io.tcpgate.bench;

import io.vertx.core.json.JsonObject;
import jdk.jfr.consumer.RecordedClass;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedMethod;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Summarises the CPU samples of a JFR recording: where the time goes, for deciding what to optimise.
 *
 * <pre>
 * java -cp CP io.tcpgate.bench.JfrTop /tmp/tcpgate.jfr [--top 15] [--inclusive 30]
 * </pre>
 * Reads {@code jdk.ExecutionSample} (threads running Java code; time spent inside system calls is <em>not</em>
 * sampled there, compare with the server's user/system CPU split) and prints, as Markdown tables:
 * <ul>
 *   <li>samples per thread group (digits in thread names folded);</li>
 *   <li>the top frames ("self" time), by method;</li>
 *   <li>the first frame of each stack that is in application or framework code (io.tcpgate, io.vertx, io.netty)
 *       rather than the JDK, i.e. which of our or Vert.x's methods the time is spent under;</li>
 *   <li>inclusive counts: the share of samples with a method anywhere on the stack (once per sample).</li>
 * </ul>
 * Then the same top frames for {@code jdk.NativeMethodSample} (threads inside native code: system calls such as
 * socket reads and writes, but also idle waits such as {@code epoll_wait}, so it is not CPU time).
 * Record with {@code -XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints} so samples in inlined code are
 * attributed to the right method, and a deep enough stack ({@code -XX:FlightRecorderOptions:stackdepth=256}).
 */
public final class JfrTop {

  private JfrTop() {
  }

  /** Counts per key, with the total. */
  static final class Tally {
    final Map<String, Long> counts = new HashMap<>();
    final String unit;
    long total;

    Tally() {
      this("samples");
    }

    Tally(String unit) {
      this.unit = unit;
    }

    void add(String key) {
      counts.merge(key, 1L, Long::sum);
    }

    void add(String key, long weight) {
      counts.merge(key, weight, Long::sum);
      total += weight;
    }

    List<Map.Entry<String, Long>> top(int n) {
      List<Map.Entry<String, Long>> entries = new ArrayList<>(counts.entrySet());
      entries.sort((a, b) -> Long.compare(b.getValue(), a.getValue()));
      return entries.subList(0, Math.min(n, entries.size()));
    }
  }

  public static void main(String[] args) throws IOException {
    if (args.length < 1) {
      System.err.println("usage: JfrTop RECORDING.jfr [--top N] [--inclusive N]");
      System.exit(2);
    }
    Path file = Path.of(args[0]);
    int top = 15;
    int inclusiveTop = 30;
    JsonObject load = null;
    for (int i = 1; i + 1 < args.length; i += 2) {
      if (args[i].equals("--top")) {
        top = Integer.parseInt(args[i + 1]);
      } else if (args[i].equals("--inclusive")) {
        inclusiveTop = Integer.parseInt(args[i + 1]);
      } else if (args[i].equals("--load")) {
        List<String> lines = Files.readAllLines(Path.of(args[i + 1]));
        load = lines.isEmpty() ? null : new JsonObject(lines.get(lines.size() - 1));
      }
    }
    // with a load result, only the events of its measured window count (JFR may have started before the warmup)
    Instant windowStart = null;
    Instant windowEnd = null;
    if (load != null && load.getLong("windowStartMs") != null && load.getLong("windowEndMs") != null) {
      windowStart = Instant.ofEpochMilli(load.getLong("windowStartMs"));
      windowEnd = Instant.ofEpochMilli(load.getLong("windowEndMs"));
    }
    long outside = 0;
    Tally allocByClass = new Tally("bytes");
    Tally allocByFrame = new Tally("bytes");
    Tally allocByTopFrame = new Tally("bytes");
    Map<String, long[]> gcs = new TreeMap<>();
    Tally deopts = new Tally();
    long compilations = 0;
    long compileNanos = 0;
    long longestPauseNanos = 0;
    Instant first = null;
    Instant last = null;
    Tally self = new Tally();
    Tally threads = new Tally();
    Tally firstOurs = new Tally();
    Tally inclusive = new Tally();
    Tally nativeSelf = new Tally();
    Tally nativeThreads = new Tally();
    long truncated = 0;
    try (RecordingFile recording = new RecordingFile(file)) {
      while (recording.hasMoreEvents()) {
        RecordedEvent event = recording.readEvent();
        String type = event.getEventType().getName();
        if (windowStart != null
            && (event.getStartTime().isBefore(windowStart) || event.getStartTime().isAfter(windowEnd))) {
          outside++;
          continue;
        }
        if (first == null || event.getStartTime().isBefore(first)) {
          first = event.getStartTime();
        }
        if (last == null || event.getEndTime().isAfter(last)) {
          last = event.getEndTime();
        }
        if (type.equals("jdk.GarbageCollection")) {
          long pause = event.getDuration("sumOfPauses").toNanos();
          long[] g = gcs.computeIfAbsent(event.getString("name"), k -> new long[2]);
          g[0]++;
          g[1] += pause;
          longestPauseNanos = Math.max(longestPauseNanos, event.getDuration("longestPause").toNanos());
          continue;
        }
        if (type.equals("jdk.Deoptimization")) {
          deopts.total++;
          RecordedMethod m = event.getValue("method");
          deopts.add((m == null ? "?" : m.getType().getName() + "." + m.getName()) + " (" + event.getString("reason")
              + ", " + event.getString("action") + ")");
          continue;
        }
        if (type.equals("jdk.Compilation")) {
          compilations++;
          compileNanos += event.getDuration().toNanos();
          continue;
        }
        if (type.equals("jdk.ObjectAllocationSample")) {
          long weight = event.getLong("weight");
          RecordedClass cls = event.getClass("objectClass");
          allocByClass.add(cls == null ? "?" : cls.getName(), weight);
          RecordedStackTrace allocStack = event.getStackTrace();
          String site = "(no stack)";
          String topSite = "(no stack)";
          if (allocStack != null && !allocStack.getFrames().isEmpty()) {
            topSite = method(allocStack.getFrames().get(0));
            site = "(JDK only)";
            for (RecordedFrame frame : allocStack.getFrames()) {
              String name = frame.getMethod() == null ? "" : frame.getMethod().getType().getName();
              if (name.startsWith("io.tcpgate.") || name.startsWith("io.vertx.") || name.startsWith("io.netty.")
                  || name.startsWith("io.micrometer.")) {
                site = method(frame);
                break;
              }
            }
          }
          allocByFrame.add(site, weight);
          allocByTopFrame.add(topSite, weight);
          continue;
        }
        boolean execution = type.equals("jdk.ExecutionSample");
        if (!execution && !type.equals("jdk.NativeMethodSample")) {
          continue;
        }
        RecordedStackTrace stack = event.getStackTrace();
        RecordedThread thread = event.getThread("sampledThread");
        String group = thread == null ? "?" : threadGroup(thread.getJavaName() != null
            ? thread.getJavaName() : thread.getOSName());
        if (stack == null || stack.getFrames().isEmpty()) {
          continue;
        }
        List<RecordedFrame> frames = stack.getFrames();
        if (!execution) {
          nativeSelf.total++;
          nativeSelf.add(method(frames.get(0)));
          nativeThreads.total++;
          nativeThreads.add(group);
          continue;
        }
        self.total++;
        self.add(method(frames.get(0)));
        threads.total++;
        threads.add(group);
        if (stack.isTruncated()) {
          truncated++;
        }
        firstOurs.total++;
        String ours = "(JDK only)";
        for (RecordedFrame frame : frames) {
          String name = frame.getMethod() == null ? "" : frame.getMethod().getType().getName();
          if (name.startsWith("io.tcpgate.") || name.startsWith("io.vertx.") || name.startsWith("io.netty.")) {
            ours = method(frame);
            break;
          }
        }
        firstOurs.add(ours);
        inclusive.total++;
        Set<String> seen = new HashSet<>();
        for (RecordedFrame frame : frames) {
          String m = method(frame);
          if (seen.add(m)) {
            inclusive.add(m);
          }
        }
      }
    }
    StringBuilder out = new StringBuilder();
    double seconds = windowStart != null ? Duration.between(windowStart, windowEnd).toNanos() / 1e9
        : first == null ? 0 : Duration.between(first, last).toNanos() / 1e9;
    long requests = 0;
    if (load != null) {
      requests = windowStart != null ? load.getLong("requests", 0L) : load.getLong("receivedTotal", 0L);
      out.append("Load during the recording: ").append(load.getLong("connections", 0L)).append(" connections x ")
          .append(load.getValue("pipeline")).append(" in flight, ").append(load.getValue("size")).append(" B ")
          .append(load.getValue("framing")).append(": ")
          .append(String.format(Locale.ROOT, "%,.0f", load.getDouble("throughput", 0.0))).append(" req/s, ")
          .append(String.format(Locale.ROOT, "%,d", requests)).append(windowStart != null
              ? " replies in the measured window, the only part of the recording summarised here" : " replies in all")
          .append("; errors ")
          .append(load.getValue("errors")).append(".\n\n");
      JsonObject server = load.getJsonObject("server", new JsonObject());
      out.append("Server CPU over the measured window (from /proc, not sampled): ").append(server.getValue("cpuS"))
          .append(" s = user ").append(server.getValue("userS")).append(" s + system ").append(server.getValue("sysS"))
          .append(" s; ").append(server.getValue("cpuUsPerReq")).append(" µs per request. Load generator: ")
          .append(load.getJsonObject("client", new JsonObject()).getValue("cpuUsPerReq"))
          .append(" µs per request; other processes: ")
          .append(load.getJsonObject("machine", new JsonObject()).getValue("otherCores")).append(" cores.\n\n");
      JsonObject threadCpu = server.getJsonObject("threads");
      if (threadCpu != null) {
        double total = num(server.getValue("cpuS"));
        out.append("### Server CPU by thread (from /proc/PID/task, exact)\n\n")
            .append("| threads | count | user s | system s | share of server CPU |\n|---|--:|--:|--:|--:|\n");
        for (String group : threadCpu.fieldNames()) {
          JsonObject g = threadCpu.getJsonObject(group);
          double cpu = num(g.getValue("userS")) + num(g.getValue("sysS"));
          if (cpu <= 0) {
            continue;
          }
          out.append(String.format(Locale.ROOT, "| `%s` | %d | %.2f | %.2f | %.1f%% |%n", group,
              g.getInteger("threads"), num(g.getValue("userS")), num(g.getValue("sysS")), 100 * cpu / total));
        }
        out.append('\n');
        double vertxUser = 0;
        for (String group : threadCpu.fieldNames()) {
          if (group.startsWith("vert.x-")) {
            vertxUser += num(threadCpu.getJsonObject(group).getValue("userS"));
          }
        }
        out.append(String.format(Locale.ROOT, "The Vert.x threads' user time, which is what the execution samples "
            + "below divide up, is %.1f s = %.0f%% of the server's CPU: a frame's share of the server's CPU is about "
            + "its sample share × %.2f.%n%n", vertxUser, 100 * vertxUser / total, vertxUser / total));
      }
    }
    if (outside > 0) {
      out.append(String.format(Locale.ROOT, "%,d events of the recording fall outside the measured window and are "
          + "left out.%n%n", outside));
    }
    out.append("JFR ").append(file).append(": ").append(self.total).append(" jdk.ExecutionSample events (threads in "
        + "Java code)").append(truncated > 0 ? ", " + truncated + " with truncated stacks" : "").append("\n\n");
    table(out, "Samples by thread", threads, 20);
    table(out, "Top frames (self), jdk.ExecutionSample", self, top);
    table(out, "First io.tcpgate / io.vertx / io.netty frame on the stack", firstOurs, top);
    table(out, "Inclusive (method anywhere on the stack)", inclusive, inclusiveTop);
    out.append("### Garbage collection (jdk.GarbageCollection)\n\n");
    if (gcs.isEmpty()) {
      out.append("No collections recorded.\n\n");
    } else {
      out.append("| collector | collections | total pause ms | per second |\n|---|--:|--:|--:|\n");
      for (Map.Entry<String, long[]> e : gcs.entrySet()) {
        out.append(String.format(Locale.ROOT, "| %s | %d | %.1f | %.1f |%n", e.getKey(), e.getValue()[0],
            e.getValue()[1] / 1e6, seconds > 0 ? e.getValue()[0] / seconds : 0));
      }
      out.append(String.format(Locale.ROOT, "%nLongest pause %.1f ms over %.1f s of recording.%n%n",
          longestPauseNanos / 1e6, seconds));
    }
    out.append("### JIT (jdk.Deoptimization; jdk.Compilation records only compilations over its threshold)\n\n");
    out.append(String.format(Locale.ROOT, "%d deoptimizations in %.1f s; %d long compilations, %.0f ms in all.%n%n",
        deopts.total, seconds, compilations, compileNanos / 1e6));
    if (deopts.total > 0) {
      table(out, "Deoptimized methods (reason, action)", deopts, 10);
    }
    out.append("### Allocation (jdk.ObjectAllocationSample, weighted by bytes)\n\n");
    if (allocByClass.total > 0) {
      out.append(String.format(Locale.ROOT, "About %,.0f MB allocated in %.1f s (%,.0f MB/s)", allocByClass.total / 1e6,
          seconds, seconds > 0 ? allocByClass.total / 1e6 / seconds : 0));
      if (requests > 0) {
        out.append(String.format(Locale.ROOT, ", about %,.0f bytes per request", allocByClass.total / (double) requests));
      }
      out.append(".\n\n");
      table(out, "Allocated classes", allocByClass, top);
      table(out, "Allocating frame (top of stack)", allocByTopFrame, top);
      table(out, "Allocating io.tcpgate / io.vertx / io.netty / io.micrometer frame (first on the stack)",
          allocByFrame, top);
    } else {
      out.append("No allocation samples.\n\n");
    }
    out.append("jdk.NativeMethodSample: ").append(nativeSelf.total).append(" events (threads in native code: system "
        + "calls, and idle waits such as epoll_wait, which are not CPU)\n\n");
    table(out, "Native samples by thread", nativeThreads, 20);
    table(out, "Top native frames", nativeSelf, top);
    System.out.print(out);
  }

  private static void table(StringBuilder out, String title, Tally tally, int n) {
    out.append("### ").append(title).append("\n\n| # | share | ").append(tally.unit)
        .append(" | frame, class or thread |\n|--:|--:|--:|---|\n");
    int i = 1;
    for (Map.Entry<String, Long> e : tally.top(n)) {
      out.append(String.format(Locale.ROOT, "| %d | %.1f%% | %,d | `%s` |%n", i++,
          100.0 * e.getValue() / Math.max(1, tally.total), e.getValue(), e.getKey()));
    }
    out.append('\n');
  }

  private static double num(Object value) {
    return value instanceof Number ? ((Number) value).doubleValue() : Double.NaN;
  }

  private static String method(RecordedFrame frame) {
    RecordedMethod m = frame.getMethod();
    if (m == null) {
      return "(unknown)";
    }
    return m.getType().getName() + "." + m.getName();
  }

  /** Folds numbers in thread names: vert.x-eventloop-thread-3 becomes vert.x-eventloop-thread-#. */
  private static String threadGroup(String name) {
    return name == null ? "?" : name.replaceAll("\\d+", "#");
  }
}
