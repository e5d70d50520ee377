package io.tcpgate.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the load generator reads about a server process (Linux only): CPU time and RSS from {@code /proc}, open
 * descriptors, the live heap through {@code jcmd}, and tcpgate's heap gauge from its admin endpoint.
 * Every reader returns -1 (or null) when the figure is not available instead of failing the run.
 */
final class ProcStats {

  private static final Pattern USED = Pattern.compile("used (\\d+)K");
  /** The address range on a heap line of GC.heap_info: {@code [0xstart, (0xmiddle, )*0xend)}. */
  private static final Pattern RANGE = Pattern.compile("\\[0x([0-9a-f]+), (?:0x[0-9a-f]+, )*0x([0-9a-f]+)\\)");
  /** The header line of a mapping in /proc/PID/smaps. */
  private static final Pattern MAPPING = Pattern.compile("([0-9a-f]+)-([0-9a-f]+) ");
  private static volatile long clockTicks;

  private ProcStats() {
  }

  /** Clock ticks per second for /proc/PID/stat ({@code getconf CLK_TCK}; 100 when that cannot be run). */
  static long clockTicks() {
    long ticks = clockTicks;
    if (ticks > 0) {
      return ticks;
    }
    ticks = 100;
    try {
      String out = run(List.of("getconf", "CLK_TCK"), 5).trim();
      ticks = Long.parseLong(out);
    } catch (IOException | RuntimeException e) {
      // keep 100, the value on every mainstream Linux
    }
    clockTicks = ticks;
    return ticks;
  }

  /** {@code {utime, stime}} in clock ticks (fields 14 and 15 of /proc/PID/stat), or null. */
  static long[] cpuTicks(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
      // the command name (field 2) is in parentheses and may contain spaces: split after the last ')'
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" +");
      // f[0] is field 3 (state), so field 14 is f[11] and field 15 is f[12]
      return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12])};
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * Busy clock ticks of the whole machine, all CPUs (user, nice, system, irq, softirq, steal of the "cpu" line of
   * /proc/stat), or -1.
   */
  static long machineBusyTicks() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/stat"), StandardCharsets.US_ASCII)) {
        if (line.startsWith("cpu ")) {
          String[] f = line.substring(4).trim().split("\\s+");
          long busy = 0;
          for (int i : new int[] {0, 1, 2, 5, 6, 7}) {
            if (i < f.length) {
              busy += Long.parseLong(f[i]);
            }
          }
          return busy;
        }
      }
    } catch (IOException | RuntimeException e) {
      // not available
    }
    return -1;
  }

  /**
   * CPU ticks per thread of a process: thread id to {@code {utime, stime}}, with the thread's name (its
   * {@code comm}, which Linux truncates to 15 characters) in {@code names}. Threads that end while being read are
   * skipped.
   */
  static Map<Long, long[]> threadTicks(long pid, Map<Long, String> names) {
    Map<Long, long[]> out = new HashMap<>();
    String[] tids = Path.of("/proc", Long.toString(pid), "task").toFile().list();
    if (tids == null) {
      return out;
    }
    for (String tid : tids) {
      try {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "task", tid, "stat"),
            StandardCharsets.US_ASCII);
        int open = stat.indexOf('(');
        int close = stat.lastIndexOf(')');
        String[] f = stat.substring(close + 2).trim().split(" +");
        long id = Long.parseLong(tid);
        out.put(id, new long[] {Long.parseLong(f[11]), Long.parseLong(f[12])});
        names.put(id, stat.substring(open + 1, close));
      } catch (IOException | RuntimeException e) {
        // the thread ended
      }
    }
    return out;
  }

  /** VmRSS from /proc/PID/status in KiB, or -1. */
  static long rssKiB(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"),
          StandardCharsets.US_ASCII)) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
        }
      }
    } catch (IOException | RuntimeException e) {
      // not available
    }
    return -1;
  }

  /** Number of open descriptors of the process, or -1. */
  static int fdCount(long pid) {
    String[] names = Path.of("/proc", Long.toString(pid), "fd").toFile().list();
    return names == null ? -1 : names.length;
  }

  /** Whether the process still exists. */
  static boolean alive(long pid) {
    return Files.exists(Path.of("/proc", Long.toString(pid), "stat"));
  }

  /** Runs {@code jcmd PID GC.run} (a full collection); false when jcmd failed. */
  static boolean fullGc(long pid) {
    try {
      run(List.of(jcmd(), Long.toString(pid), "GC.run"), 60);
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /**
   * Live objects by class from {@code jcmd PID GC.class_histogram} (which runs a full GC first): class name →
   * {instances, bytes}. Empty when jcmd failed.
   */
  static Map<String, long[]> classHistogram(long pid) {
    Map<String, long[]> out = new HashMap<>();
    try {
      String text = run(List.of(jcmd(), Long.toString(pid), "GC.class_histogram"), 120);
      for (String line : text.split("\n")) {
        String[] f = line.trim().split("\\s+");
        if (f.length >= 4 && f[0].endsWith(":") && f[0].length() > 1 && Character.isDigit(f[0].charAt(0))) {
          out.put(f[3], new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
        }
      }
    } catch (IOException | RuntimeException e) {
      out.clear();
    }
    return out;
  }

  /** What {@code jcmd PID GC.heap_info} says: heap in use, and the address range reserved for the heap. */
  record HeapInfo(long usedBytes, long start, long end) {
    static final HeapInfo UNKNOWN = new HeapInfo(-1, -1, -1);
  }

  /**
   * Heap in use and the heap's address range from {@code jcmd PID GC.heap_info}: the sum of the "used" figures of
   * the heap lines (G1: one "garbage-first heap" line; Parallel/Serial: young plus old), without Metaspace and class
   * space; the range spans the {@code [0x..., 0x...)} addresses printed on those lines.
   */
  static HeapInfo heapInfo(long pid) {
    try {
      String out = run(List.of(jcmd(), Long.toString(pid), "GC.heap_info"), 60);
      long kib = 0;
      boolean found = false;
      long start = Long.MAX_VALUE;
      long end = -1;
      for (String line : out.split("\n")) {
        String t = line.trim();
        if (t.startsWith("Metaspace") || t.startsWith("class space") || t.matches("^\\d+:$")) {
          continue;
        }
        Matcher m = USED.matcher(t);
        if (t.contains("total") && m.find()) {
          kib += Long.parseLong(m.group(1));
          found = true;
          Matcher r = RANGE.matcher(t);
          if (r.find()) {
            start = Math.min(start, Long.parseUnsignedLong(r.group(1), 16));
            end = Math.max(end, Long.parseUnsignedLong(r.group(2), 16));
          }
        }
      }
      if (!found) {
        return HeapInfo.UNKNOWN;
      }
      return new HeapInfo(kib * 1024, end > 0 ? start : -1, end);
    } catch (IOException | RuntimeException e) {
      return HeapInfo.UNKNOWN;
    }
  }

  /**
   * Resident memory from /proc/PID/smaps: {@code {total KiB, KiB inside [start, end)}}, i.e. with the heap's range,
   * how much of the RSS is Java heap pages and how much is everything else (native memory, thread stacks, code,
   * metaspace, direct buffers). Null when smaps cannot be read.
   */
  static long[] rssSplitKiB(long pid, long start, long end) {
    try {
      long total = 0;
      long inside = 0;
      boolean mappingInside = false;
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "smaps"),
          StandardCharsets.US_ASCII)) {
        Matcher header = MAPPING.matcher(line);
        if (header.lookingAt()) {
          long from = Long.parseUnsignedLong(header.group(1), 16);
          long to = Long.parseUnsignedLong(header.group(2), 16);
          mappingInside = start >= 0 && from >= start && to <= end;
        } else if (line.startsWith("Rss:")) {
          long kib = Long.parseLong(line.substring(4).trim().split("\\s+")[0]);
          total += kib;
          if (mappingInside) {
            inside += kib;
          }
        }
      }
      return new long[] {total, inside};
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * Sum of {@code jvm_memory_used_bytes{area="heap",...}} from tcpgate's admin {@code /metrics}, or -1 when the
   * endpoint is not reachable or does not export JVM memory gauges.
   */
  static long metricsHeapBytes(int adminPort) {
    if (adminPort <= 0) {
      return -1;
    }
    // plain HTTP/1.0 over a socket: java.net.http's h2c upgrade attempt can hang against Vert.x's HTTP server
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), adminPort), 5_000);
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(("GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!response.startsWith("HTTP/1.") || !response.split(" ", 3)[1].equals("200")) {
        return -1;
      }
      double sum = 0;
      boolean found = false;
      for (String line : response.split("\n")) {
        if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
          sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1).trim());
          found = true;
        }
      }
      return found ? (long) sum : -1;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private static String jcmd() {
    Path candidate = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    return Files.isExecutable(candidate) ? candidate.toString() : "jcmd";
  }

  private static String run(List<String> command, long timeoutSeconds) throws IOException {
    Process process = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).start();
    try (InputStream in = process.getInputStream()) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      in.transferTo(out);
      if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IOException(command + " timed out");
      }
      if (process.exitValue() != 0) {
        throw new IOException(command + " exited with " + process.exitValue() + ": " + out);
      }
      return out.toString(StandardCharsets.UTF_8);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      throw new IOException("interrupted", e);
    }
  }
}
