package io.tcpgate.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Turns the raw results of {@code bench/run.sh} into docs/BENCHMARKS.md: medians per scenario and server over the
 * rounds, ratios to the {@code direct} reference measured in the same run, the connection-scale figures, the JMH
 * framer results, the targets and the exact commands. The servers are read from the results' labels: the
 * reference servers {@code direct} and {@code naive}, and every other name a tcpgate variant, described from its
 * {@code tcpgate.NAME.conf} / {@code .jar} settings. A variant whose requests a worker process outside the JVM answers
 * (bench/run.sh's {@code +node}: settings {@code tcpgate.NAME.worker} and {@code .vs}) also gets that process's CPU
 * per request and its throughput against the in-JVM variant named by {@code .vs}, measured in the same run. The
 * connect-rate scenario (f) has a table of its own: connections per second, connect-to-reply latency and server CPU
 * per connection, plain servers against {@code direct} and TLS ones against {@code direct-tls}.
 *
 * <pre>
 * java -cp CP io.tcpgate.bench.BenchReport --dir target/bench/run --out docs/BENCHMARKS.md [--wall-seconds S]
 * </pre>
 * The directory holds {@code results.jsonl}, {@code connect.jsonl} and {@code scale.jsonl} (LoadGenerator --json
 * lines, labelled with
 * scenario, server and round), {@code jmh.json}, {@code settings.txt} (key=value), {@code commands.txt} and the
 * machine description files {@code date.txt}, {@code nproc.txt}, {@code free.txt}, {@code java-version.txt},
 * {@code uname.txt}.
 */
public final class BenchReport {

  /** The reference servers, listed after the tcpgate variants; every other server name is a tcpgate variant. */
  private static final List<String> REFERENCES = List.of("direct", "naive", "direct-tls");
  /** The jar bench/run.sh runs a tcpgate variant from unless the variant names another. */
  private static final String DEFAULT_JAR = "target/tcpgate.jar";
  /** What each dispatch mode does with a connection's frames, for the description of a variant. */
  private static final Map<String, String> DISPATCH_MODES = Map.of(
      "ordered", "a connection's frames go to the event bus one at a time, any instance answering",
      "parallel", "a connection's frames go to any instance, concurrently",
      "pinned", "each connection is served by one instance on that instance's own address, preferably the one on "
          + "the connection's event loop");
  /** A run is marked when other processes used more than this many cores during its window. */
  private static final double BUSY_MACHINE_CORES = 0.5;
  /** The bridge issue's targets for a Node worker: throughput × the in-JVM worker, minimum and aim, per scenario. */
  private static final Map<String, double[]> BRIDGE_TARGETS = Map.of("b", new double[] {0.65, 0.8},
      "a", new double[] {0.35, 0.5});

  private BenchReport() {
  }

  public static void main(String[] args) throws IOException {
    Path dir = null;
    Path out = null;
    String wall = null;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--dir": dir = Path.of(args[i + 1]); break;
        case "--out": out = Path.of(args[i + 1]); break;
        case "--wall-seconds": wall = args[i + 1]; break;
        default: throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    if (dir == null || out == null) {
      throw new IllegalArgumentException("usage: BenchReport --dir DIR --out FILE [--wall-seconds S]");
    }
    String markdown = new BenchReport().render(dir, wall);
    if (out.getParent() != null) {
      Files.createDirectories(out.getParent());
    }
    Files.writeString(out, markdown, StandardCharsets.UTF_8);
    System.out.println(markdown);
  }

  String render(Path dir, String wallSeconds) throws IOException {
    Map<String, String> settings = readSettings(dir.resolve("settings.txt"));
    List<JsonObject> load = readJsonLines(dir.resolve("results.jsonl"));
    List<JsonObject> scale = readJsonLines(dir.resolve("scale.jsonl"));
    List<JsonObject> connect = readJsonLines(dir.resolve("connect.jsonl"));
    JsonArray jmh = Files.exists(dir.resolve("jmh.json"))
        ? new JsonArray(Files.readString(dir.resolve("jmh.json"))) : new JsonArray();

    StringBuilder md = new StringBuilder();
    md.append("# tcpgate benchmarks\n\n");
    md.append("Written by `bench/run.sh` (`make bench`) on ").append(text(dir, "date.txt").trim())
        .append(wallSeconds == null ? "" : "; the whole run took " + wallSeconds + " s")
        .append(". Numbers from one run on a small shared machine are noisy: compare ratios measured in the same run, "
            + "and CPU per request, rather than absolute throughput. Where the time and memory go, what was changed "
            + "and why some targets are out of reach: [PERFORMANCE.md](PERFORMANCE.md) (written by hand, with the "
            + "profiles).\n\n");

    md.append("## Machine\n\n");
    md.append("- `nproc`: ").append(text(dir, "nproc.txt").trim()).append("; kernel `")
        .append(text(dir, "uname.txt").trim()).append("`\n");
    md.append("- The load generator and the server share these cores (no pinning), so a busier client leaves less "
        + "CPU to the server; CPU per request is measured on the server process alone (and, for a variant with a "
        + "worker process beside it, on that process apart). The machine may be shared with other work: load "
        + "average at the start ").append(text(dir, "loadavg-start.txt").trim())
        .append(", at the end ").append(text(dir, "loadavg-end.txt").trim())
        .append("; the column *other load* is the CPU (in cores) used during each measured window by processes other "
            + "than the server (and its worker process) and the load generator.\n\n");
    md.append("`free -h`:\n\n```\n").append(text(dir, "free.txt").stripTrailing()).append("\n```\n\n");
    md.append("`java -version`:\n\n```\n").append(text(dir, "java-version.txt").stripTrailing()).append("\n```\n\n");

    md.append("## Method\n\n");
    md.append("- Servers, each its own JVM with the same flags `").append(settings.getOrDefault("server_java_opts", ""))
        .append("`:\n");
    md.append("  - tcpgate variants: the fat jar (`").append(DEFAULT_JAR).append('`')
        .append(settings.containsKey("source") ? ", working tree at `" + settings.get("source") + "`" : "")
        .append(", unless a variant names another) on a config with listeners `lines` and `binary` (4-byte "
            + "big-endian length prefix) on 127.0.0.1, every frame an event-bus request to the built-in `echo` "
            + "worker unless said otherwise; replies in frame order, deadlines and metrics on")
        .append(settings.getOrDefault("tcpgate_extra_opts", "").isBlank() ? ""
            : "; extra flags `" + settings.get("tcpgate_extra_opts") + "`")
        .append(":\n");
    List<JsonObject> all = new ArrayList<>(load);
    all.addAll(connect);
    all.addAll(scale);
    for (String variant : variants(all)) {
      md.append("    - **").append(variant).append("**: ").append(describeVariant(variant, settings)).append(".\n");
    }
    md.append("  - **direct**: `ReferenceServer direct`, a minimal Vert.x NetServer (one instance per event loop) "
        + "framing with RecordParser and replying on the event loop: the ceiling.\n");
    md.append("  - **naive**: `ReferenceServer naive`, the same with one `eventBus().request()` per frame to an echo "
        + "consumer in a worker verticle (1 instance): the floor.\n");
    if (connect.stream().anyMatch(r -> "direct-tls".equals(server(r)))) {
      md.append("  - **direct-tls**: `ReferenceServer direct --tls-cert … --tls-key …`, direct speaking TLS "
          + "(`NetServerOptions.setSsl(true)`, `PemKeyCertOptions`, Vert.x's default engine and protocols) on the "
          + "run's certificate: the reference of the TLS variants in the connect-rate scenario (f).\n");
    }
    md.append("  - All on Vert.x 5 defaults: NIO transport, 2 × cores event loops. The 4 KiB scenario runs against "
        + "the length-prefixed port of each server (a second process for each reference server).\n");
    md.append("- Load: `io.tcpgate.bench.LoadGenerator` (Java NIO, ").append(settings.getOrDefault("client_threads", "1"))
        .append(" selector thread, JVM flags `").append(settings.getOrDefault("client_java_opts", ""))
        .append("`), closed loop: each connection keeps its pipeline of requests in flight, every reply is checked "
            + "against its request (same bytes, same order). Latency is from sending a request to reading its "
            + "reply, HdrHistogram.\n");
    md.append("- Every server first gets ").append(settings.getOrDefault("server_warmup", "?"))
        .append(" s of unmeasured load. Then ").append(settings.getOrDefault("rounds", "?"))
        .append(" rounds; in each round every scenario runs against every server one after the other, in an "
            + "order that rotates from round to round. Each run is a fresh load-generator JVM: ")
        .append(settings.getOrDefault("warmup", "?")).append(" s warmup, then a ")
        .append(settings.getOrDefault("duration", "?")).append(" s measured window. Tables show the median over "
            + "rounds; ratios divide by `direct`'s median of the same run.\n");
    int repeated = readJsonLines(dir.resolve("disturbed.jsonl")).size();
    if (settings.containsKey("retry_other")) {
      md.append("- The machine may be shared: a measured run during which other processes used more than ")
          .append(settings.get("retry_other")).append(" cores was run once more (at most ")
          .append(settings.getOrDefault("retries", "?")).append(" times in all); ").append(repeated)
          .append(repeated == 1 ? " run was" : " runs were").append(" repeated, and only the repeat counts.\n");
    }
    md.append("- Server CPU µs/request: the server's utime+stime (/proc/PID/stat, CLK_TCK ticks) over the measured "
        + "window divided by the replies in it; worker CPU µs/request the same of a variant's worker process "
        + "(`LoadGenerator --worker-pid`). Errors: reply mismatches, ERR replies, disconnects, failed "
        + "connects, requests never answered, summed over rounds.\n\n");

    appendLoad(md, load);
    appendBridge(md, load, settings);
    appendConnect(md, connect, settings);
    appendScale(md, scale, settings);
    appendJmh(md, jmh);
    appendTargets(md, load, scale, jmh, settings);

    md.append("## Commands\n\n");
    md.append("`make bench` runs `bench/run.sh`, which ran (ports are ephemeral, PIDs per run):\n\n```\n")
        .append(text(dir, "commands.txt").stripTrailing()).append("\n```\n");
    return md.toString();
  }

  // ---------------------------------------------------------------------------------------------------------------

  private static void appendLoad(StringBuilder md, List<JsonObject> load) {
    md.append("## Throughput and latency\n\n");
    if (load.isEmpty()) {
      md.append("No load results.\n\n");
      return;
    }
    List<String> order = servers(load);
    appendSideBySide(md, load, order);
    md.append("| scenario | server | req/s | × direct | p50 µs | p99 µs | p99.9 µs | max µs | p99 × direct "
        + "| server CPU µs/req | CPU × direct | worker CPU µs/req | client CPU µs/req | other load, cores | errors "
        + "| req/s per round |\n");
    md.append("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n");
    int[] disturbed = {0};
    for (Map.Entry<String, Map<String, List<JsonObject>>> scenario : byScenario(load).entrySet()) {
      Map<String, List<JsonObject>> servers = scenario.getValue();
      JsonObject any = servers.values().iterator().next().get(0);
      String title = scenario.getKey() + ": " + describe(any);
      List<JsonObject> direct = servers.getOrDefault("direct", List.of());
      double dThroughput = median(direct, r -> r.getDouble("throughput"));
      double dP99 = median(direct, r -> lat(r, "p99"));
      double dCpu = median(direct, BenchReport::cpu);
      for (String server : order) {
        List<JsonObject> runs = servers.get(server);
        if (runs == null) {
          continue;
        }
        double throughput = median(runs, r -> r.getDouble("throughput"));
        double p99 = median(runs, r -> lat(r, "p99"));
        double cpu = median(runs, BenchReport::cpu);
        disturbed[0] += disturbedRuns(runs);
        String perRound = perRound(runs);
        md.append("| ").append(title).append(" | ").append(server)
            .append(" | ").append(thousands(throughput))
            .append(" | ").append(ratio(throughput, dThroughput))
            .append(" | ").append(us(median(runs, r -> lat(r, "p50"))))
            .append(" | ").append(us(p99))
            .append(" | ").append(us(median(runs, r -> lat(r, "p999"))))
            .append(" | ").append(us(median(runs, r -> lat(r, "max"))))
            .append(" | ").append(ratio(p99, dP99))
            .append(" | ").append(fixed(cpu, 2))
            .append(" | ").append(ratio(cpu, dCpu))
            .append(" | ").append(fixed(median(runs, BenchReport::workerCpu), 2))
            .append(" | ").append(fixed(median(runs, r -> num(r.getJsonObject("client").getValue("cpuUsPerReq"))), 2))
            .append(" | ").append(fixed(median(runs, r -> num(r.getJsonObject("machine", new JsonObject())
                .getValue("otherCores"))), 2))
            .append(" | ").append(runs.stream().mapToLong(r -> r.getLong("errors")).sum())
            .append(" | ").append(perRound)
            .append(" |\n");
        title = "";
      }
    }
    md.append('\n');
    if (disturbed[0] > 0) {
      md.append(String.format(Locale.ROOT, "\\* %d run(s) shared the machine with more than %.1f cores of other "
          + "work during their measured window (see *other load*); the medians keep them out where the other "
          + "rounds agree.%n%n", disturbed[0], BUSY_MACHINE_CORES));
    }
    List<String> errorNotes = new ArrayList<>();
    for (JsonObject r : load) {
      if (r.getLong("errors") > 0) {
        JsonObject labels = r.getJsonObject("labels");
        errorNotes.add("- " + labels.getString("scenario") + "/" + labels.getString("server") + " round "
            + labels.getString("round") + ": " + r.getJsonObject("errorDetail").encode());
      }
    }
    if (!errorNotes.isEmpty()) {
      md.append("Errors:\n\n").append(String.join("\n", errorNotes)).append("\n\n");
    }
  }

  /** One row per scenario, one column per server: its ratios to direct and its CPU per request, at a glance. */
  private static void appendSideBySide(StringBuilder md, List<JsonObject> load, List<String> order) {
    List<String> columns = new ArrayList<>(order);
    columns.remove("direct");
    md.append("Every server against `direct` in the same run, medians over the rounds: throughput × direct · p99 "
        + "× direct · server CPU µs per request (+ its worker process's, for a variant with one). The full figures "
        + "follow.\n\n");
    md.append("| scenario | direct: req/s · p99 µs · CPU µs/req |");
    for (String server : columns) {
      md.append(' ').append(server).append(" |");
    }
    md.append("\n|---|--:|").append("--:|".repeat(columns.size())).append('\n');
    for (Map.Entry<String, Map<String, List<JsonObject>>> scenario : byScenario(load).entrySet()) {
      Map<String, List<JsonObject>> servers = scenario.getValue();
      List<JsonObject> direct = servers.getOrDefault("direct", List.of());
      double dThroughput = median(direct, r -> r.getDouble("throughput"));
      double dP99 = median(direct, r -> lat(r, "p99"));
      md.append("| ").append(scenario.getKey()).append(": ")
          .append(describe(servers.values().iterator().next().get(0)))
          .append(" | ").append(thousands(dThroughput)).append(" · ").append(us(dP99)).append(" · ")
          .append(fixed(median(direct, BenchReport::cpu), 2)).append(" |");
      for (String server : columns) {
        List<JsonObject> runs = servers.get(server);
        md.append(' ').append(runs == null ? "–"
            : ratio(median(runs, r -> r.getDouble("throughput")), dThroughput) + "× · "
                + ratio(median(runs, r -> lat(r, "p99")), dP99) + "× · " + fixed(median(runs, BenchReport::cpu), 2)
                + (hasWorker(runs) ? " + " + fixed(median(runs, BenchReport::workerCpu), 2) : ""))
            .append(" |");
      }
      md.append('\n');
    }
    md.append('\n');
  }

  /**
   * The variants whose worker runs in a process of its own behind the bridge, against the in-JVM variant each is
   * compared with: throughput, latency, and CPU per request of the gateway and of the worker.
   */
  private static void appendBridge(StringBuilder md, List<JsonObject> load, Map<String, String> settings) {
    List<String> withWorker = new ArrayList<>();
    for (String variant : variants(load)) {
      if (settings.containsKey("tcpgate." + variant + ".worker")) {
        withWorker.add(variant);
      }
    }
    if (withWorker.isEmpty()) {
      return;
    }
    md.append("## Workers outside the JVM\n\n");
    md.append("A variant marked `+node` in `BENCH_TCPGATE_SERVERS` has no worker in the JVM: `bench/run.sh` starts "
        + "the worker process once the gateway has logged its bridge port, and measures its CPU apart. Each is "
        + "compared with the in-JVM variant named beside it, in the same run: ratios are medians over the rounds "
        + "divided by that variant's medians. Gateway + worker is the CPU the whole path costs per request.\n\n");
    md.append("| scenario | variant | worker | compared with | req/s | × in-JVM | p99 µs | p99 × in-JVM "
        + "| gateway CPU µs/req | worker CPU µs/req | gateway + worker | in-JVM CPU µs/req | worker RSS MiB "
        + "| errors |\n");
    md.append("|---|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
    for (Map.Entry<String, Map<String, List<JsonObject>>> scenario : byScenario(load).entrySet()) {
      Map<String, List<JsonObject>> servers = scenario.getValue();
      String title = scenario.getKey() + ": " + describe(servers.values().iterator().next().get(0));
      for (String variant : withWorker) {
        List<JsonObject> runs = servers.get(variant);
        if (runs == null) {
          continue;
        }
        String reference = settings.getOrDefault("tcpgate." + variant + ".vs", "");
        List<JsonObject> ref = servers.getOrDefault(reference, List.of());
        double throughput = median(runs, r -> r.getDouble("throughput"));
        double p99 = median(runs, r -> lat(r, "p99"));
        double gateway = median(runs, BenchReport::cpu);
        double worker = median(runs, BenchReport::workerCpu);
        double both = median(runs, r -> cpu(r) + workerCpu(r));
        md.append("| ").append(title)
            .append(" | ").append(variant)
            .append(" | `").append(settings.get("tcpgate." + variant + ".worker")).append('`')
            .append(" | ").append(reference.isEmpty() ? "–" : reference)
            .append(" | ").append(thousands(throughput))
            .append(" | ").append(ratio(throughput, median(ref, r -> r.getDouble("throughput"))))
            .append(" | ").append(us(p99))
            .append(" | ").append(ratio(p99, median(ref, r -> lat(r, "p99"))))
            .append(" | ").append(fixed(gateway, 2))
            .append(" | ").append(fixed(worker, 2))
            .append(" | ").append(fixed(both, 2))
            .append(" | ").append(fixed(median(ref, BenchReport::cpu), 2))
            .append(" | ").append(fixed(median(runs, r -> num(r.getJsonObject("worker").getValue("rssKiB")) / 1024),
                1))
            .append(" | ").append(runs.stream().mapToLong(r -> r.getLong("errors")).sum())
            .append(" |\n");
        title = "";
      }
    }
    md.append('\n');
  }

  /**
   * Scenario (f): connections per second, connect-to-reply latency and server CPU per connection of every server, the
   * plain ones against {@code direct} and the TLS ones against {@code direct-tls}, and what admission and TLS add.
   */
  private static void appendConnect(StringBuilder md, List<JsonObject> connect, Map<String, String> settings) {
    if (connect.isEmpty()) {
      return;
    }
    Map<String, List<JsonObject>> byServer = new LinkedHashMap<>();
    for (JsonObject r : sortByServer(connect)) {
      byServer.computeIfAbsent(server(r), k -> new ArrayList<>()).add(r);
    }
    // plain servers first, then the TLS ones, each group's reference last
    List<String> order = new ArrayList<>();
    for (boolean tls : new boolean[] {false, true}) {
      String reference = tls ? "direct-tls" : "direct";
      for (String server : byServer.keySet()) {
        if (isTls(byServer.get(server)) == tls && !server.equals(reference)) {
          order.add(server);
        }
      }
      if (byServer.containsKey(reference)) {
        order.add(reference);
      }
    }
    JsonObject any = connect.get(0);
    String protocol = connect.stream().map(r -> r.getString("tlsProtocol")).filter(p -> p != null).findFirst()
        .orElse(null);
    md.append("## Connect rate (f)\n\n");
    md.append("What a connection costs rather than a request: admission and TLS included. `LoadGenerator "
            + "--connect-rate`: ").append(any.getInteger("connections"))
        .append(" client loops, each a thread with blocking sockets, each over and over: connect to 127.0.0.1, "
            + "(TLS: a full handshake), send one ").append(any.getInteger("size")).append("-byte frame (")
        .append(any.getString("framing")).append(" framing), read its reply and check it, close. Every socket is "
            + "closed with `SO_LINGER 0`, a RST: the reply has been read, so nothing is lost, and neither side keeps "
            + "the connection in TIME_WAIT (closing first with a FIN, the client would hold each port for 60 s, and "
            + "a few thousand connections a second exhaust the ~28,000 ephemeral ports of the default "
            + "`ip_local_port_range` in seconds); the servers see reset connections. *conn/s*: connections whose "
            + "reply arrived in the measured window, per second; latency from just before `connect()` to the reply "
            + "(TCP connect, TLS handshake, one round trip); server CPU µs/conn: its utime+stime over the window "
            + "divided by those connections. Same rounds, warm-up and window as the other scenarios; medians over "
            + "the rounds; plain servers are compared with `direct`, TLS ones with `direct-tls`, measured in the "
            + "same run.");
    if (protocol != null) {
      md.append(" TLS: ").append(protocol).append(" negotiated, full handshakes only (each connection has its own "
              + "client session identity, so none is resumed), no SNI; the client trusts only the run's "
              + "self-signed certificate (")
          .append(settings.getOrDefault("tls_cert", "?").trim()).append(") and checks that it names 127.0.0.1. The "
              + "JDK's elliptic-curve code is plain Java, slow until compiled, and each run is a fresh client JVM: "
              + "before its loops start, a TLS run's client runs its side of the handshake's key agreement and "
              + "signature checks in-process for 2 s, without touching the server. The client's side of a "
              + "handshake (ECDSA verification above all) costs the JDK more CPU than the server's, and client and "
              + "servers share the cores: TLS conn/s is bounded by the client as much as by the server, so compare "
              + "the TLS servers by their CPU per connection.");
    }
    md.append("\n\n");
    md.append("| server | TLS | conn/s | × reference | p50 µs | p99 µs | p99 × reference | server CPU µs/conn "
        + "| CPU × reference | client CPU µs/conn | other load, cores | errors | conn/s per round |\n");
    md.append("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n");
    int disturbed = 0;
    for (String server : order) {
      List<JsonObject> runs = byServer.get(server);
      boolean tls = isTls(runs);
      String reference = tls ? "direct-tls" : "direct";
      List<JsonObject> ref = byServer.getOrDefault(reference, List.of());
      double rate = median(runs, r -> r.getDouble("throughput"));
      double p99 = median(runs, r -> lat(r, "p99"));
      double cpu = median(runs, BenchReport::cpuPerConn);
      disturbed += disturbedRuns(runs);
      String perRound = perRound(runs);
      boolean isReference = server.equals(reference);
      md.append("| ").append(isReference ? server : "**" + server + "**")
          .append(" | ").append(tls ? "yes" : "no")
          .append(" | ").append(thousands(rate))
          .append(" | ").append(ratio(rate, median(ref, r -> r.getDouble("throughput"))))
          .append(isReference ? "" : " × " + reference)
          .append(" | ").append(us(median(runs, r -> lat(r, "p50"))))
          .append(" | ").append(us(p99))
          .append(" | ").append(ratio(p99, median(ref, r -> lat(r, "p99"))))
          .append(" | ").append(fixed(cpu, 1))
          .append(" | ").append(ratio(cpu, median(ref, BenchReport::cpuPerConn)))
          .append(" | ").append(fixed(median(runs, r -> num(r.getJsonObject("client").getValue("cpuUsPerConn"))), 1))
          .append(" | ").append(fixed(median(runs, r -> num(r.getJsonObject("machine", new JsonObject())
              .getValue("otherCores"))), 2))
          .append(" | ").append(runs.stream().mapToLong(r -> r.getLong("errors")).sum())
          .append(" | ").append(perRound)
          .append(" |\n");
    }
    md.append('\n');
    if (disturbed > 0) {
      md.append(String.format(Locale.ROOT, "\\* %d run(s) shared the machine with more than %.1f cores of other "
          + "work during their measured window.%n%n", disturbed, BUSY_MACHINE_CORES));
    }
    // what admission and TLS add: each variant against plain tcpgate, direct-tls against direct
    List<String> costs = new ArrayList<>();
    for (String server : order) {
      String base = server.equals("direct-tls") ? "direct" : REFERENCES.contains(server) ? null : "tcpgate";
      if (base == null || server.equals(base) || !byServer.containsKey(base)) {
        continue;
      }
      List<JsonObject> runs = byServer.get(server);
      List<JsonObject> plain = byServer.get(base);
      double extra = median(runs, BenchReport::cpuPerConn) - median(plain, BenchReport::cpuPerConn);
      costs.add(String.format(Locale.ROOT, "- %s against %s: %s µs server CPU per connection (median %s vs "
              + "%s); %s × the connection rate; p50 %s µs.",
          server, base, signed(extra), fixed(median(runs, BenchReport::cpuPerConn), 1),
          fixed(median(plain, BenchReport::cpuPerConn), 1),
          ratio(median(runs, r -> r.getDouble("throughput")), median(plain, r -> r.getDouble("throughput"))),
          signedUs(median(runs, r -> lat(r, "p50")) - median(plain, r -> lat(r, "p50")))));
    }
    if (!costs.isEmpty()) {
      md.append("What admission and TLS add, from the medians above (the CPU difference is the steadier figure on "
          + "a shared machine):\n\n").append(String.join("\n", costs)).append("\n\n");
    }
    List<String> errorNotes = new ArrayList<>();
    for (JsonObject r : connect) {
      if (r.getLong("errors") > 0) {
        JsonObject labels = r.getJsonObject("labels");
        errorNotes.add("- f/" + labels.getString("server") + " round " + labels.getString("round") + ": "
            + r.getJsonObject("errorDetail").encode());
      }
    }
    if (!errorNotes.isEmpty()) {
      md.append("Errors:\n\n").append(String.join("\n", errorNotes)).append("\n\n");
    }
  }

  private static boolean isTls(List<JsonObject> runs) {
    return runs.stream().anyMatch(r -> r.getBoolean("tls", false));
  }

  /** Server CPU µs per connection of a connect-rate result. */
  static double cpuPerConn(JsonObject r) {
    return num(r.getJsonObject("server").getValue("cpuUsPerConn"));
  }

  private static String signedUs(double v) {
    if (Double.isNaN(v)) {
      return "–";
    }
    return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%+,.0f", v) : String.format(Locale.ROOT, "%+.1f", v);
  }

  private static String signed(double v) {
    return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%+.1f", v);
  }

  private static void appendScale(StringBuilder md, List<JsonObject> scale, Map<String, String> settings) {
    md.append("## Connection scale (e)\n\n");
    if (scale.isEmpty()) {
      md.append("No scale results.\n\n");
      return;
    }
    md.append("`LoadGenerator --scale K` against a fresh process of each of ").append(String.join(", ", servers(scale)))
        .append(", started for this test (same JVM flags; the other tcpgate variants differ in how frames reach the "
            + "echo worker, not in what an idle connection holds) and given 2,000 requests on 4 connections first, "
            + "so that the classes of the connection path are loaded but little heap has been touched. Read the "
            + "server's memory; open K idle connections in batches of ")
        .append(settings.getOrDefault("scale_batch", "500"))
        .append(", waiting after each batch until the server holds the descriptors; wait ")
        .append(settings.getOrDefault("scale_settle", "2")).append(" s and read again; send one frame on each "
            + "connection and read again; send ").append(settings.getOrDefault("scale_traffic_frames", "10"))
        .append(" more frames on each, one at a time, and read again. Every reading follows a full "
            + "GC (`jcmd PID GC.run`, two before the first reading) and takes VmRSS, the live heap "
            + "(`jcmd PID GC.heap_info`) and the RSS split into Java-heap pages and the rest (/proc/PID/smaps "
            + "against the heap's address range). Per connection = (reading − reading before connecting) / K, in "
            + "KiB. *RSS Δ* is the plain figure; it also counts heap pages the JVM touched while the connections "
            + "were opened and kept after the GC (on a warm JVM it would under-count instead, reusing resident "
            + "pages). *Non-heap RSS + live heap* is what the connections themselves hold. Kernel socket buffers "
            + "are in neither.\n\n");
    md.append("| server | connections | RSS before MiB | idle: RSS Δ | idle: non-heap RSS | idle: live heap "
        + "| **idle: non-heap + heap** | 1 frame each: RSS Δ | 1 frame each: live heap | 1 frame each: non-heap + heap "
        + "| live heap growth over the next frames | connect s | errors |\n");
    md.append("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
    for (JsonObject r : sortByServer(scale)) {
      JsonObject before = r.getJsonArray("stages").getJsonObject(0);
      JsonObject rss = r.getJsonObject("rssKiBPerConn");
      JsonObject nonHeap = r.getJsonObject("nonHeapRssKiBPerConn", new JsonObject());
      JsonObject heap = r.getJsonObject("heapKiBPerConn");
      JsonObject mem = r.getJsonObject("memKiBPerConn", new JsonObject());
      Long growth = r.getLong("heapGrowthTrafficBytes");
      int k = r.getInteger("connected");
      md.append("| ").append(r.getJsonObject("labels").getString("server", "?"))
          .append(" | ").append(k).append(k < r.getInteger("requested") ? " of " + r.getInteger("requested") : "")
          .append(" | ").append(fixed(before.getLong("rssKiB") / 1024.0, 1))
          .append(" | ").append(fixed(num(rss.getValue("idle")), 2))
          .append(" | ").append(fixed(num(nonHeap.getValue("idle")), 2))
          .append(" | ").append(fixed(num(heap.getValue("idle")), 2))
          .append(" | **").append(fixed(num(mem.getValue("idle")), 2)).append("**")
          .append(" | ").append(fixed(num(rss.getValue("after1")), 2))
          .append(" | ").append(fixed(num(heap.getValue("after1")), 2))
          .append(" | ").append(fixed(num(mem.getValue("after1")), 2))
          .append(" | ").append(growth == null ? "n/a"
              : String.format(Locale.ROOT, "%+.1f KiB (%+.1f B/conn)", growth / 1024.0, growth / (double) k))
          .append(" | ").append(r.getValue("connectS"))
          .append(" | ").append(r.getLong("errors"))
          .append(" |\n");
    }
    md.append('\n');
    appendIdleClasses(md, scale);
  }

  /** What an idle connection holds on the heap, by class: the growth between the histograms before and idle. */
  private static void appendIdleClasses(StringBuilder md, List<JsonObject> scale) {
    List<JsonObject> withClasses = new ArrayList<>();
    for (JsonObject r : sortByServer(scale)) {
      if (!r.getJsonArray("idleHeapClassesPerConn", new JsonArray()).isEmpty()) {
        withClasses.add(r);
      }
    }
    if (withClasses.isEmpty()) {
      return;
    }
    md.append("What an idle connection holds on the heap: the classes whose live bytes grew most between the "
        + "reading before connecting and the idle reading (`jcmd PID GC.class_histogram`, itself after a full GC), "
        + "divided by the connections.\n\n");
    for (JsonObject r : withClasses) {
      md.append("<details><summary>").append(r.getJsonObject("labels").getString("server", "?"))
          .append("</summary>\n\n| class | B/conn | instances/conn |\n|---|--:|--:|\n");
      for (Object o : r.getJsonArray("idleHeapClassesPerConn")) {
        JsonObject c = (JsonObject) o;
        md.append("| `").append(c.getString("class")).append("` | ").append(fixed(num(c.getValue("bytes")), 1))
            .append(" | ").append(fixed(num(c.getValue("instances")), 2)).append(" |\n");
      }
      md.append("\n</details>\n\n");
    }
  }

  private static void appendJmh(StringBuilder md, JsonArray jmh) {
    md.append("## Framers (JMH)\n\n");
    if (jmh.isEmpty()) {
      md.append("No JMH results.\n\n");
      return;
    }
    md.append("`FramerBenchmark`: one thread feeds a pre-built stream of 10,000 frames in 16 KiB chunks through "
        + "`FramingSpec.newFramer(sink)`; frames/s is per core. B/frame is `gc.alloc.rate.norm` per frame "
        + "(`-prof gc`). `FrameCopyBaseline` only copies each frame into its own Buffer, as RecordParser does: the "
        + "allocation every framer has to make. Error is JMH's 99.9% interval over 5 × 1 s iterations, 1 fork.\n\n");
    md.append("| benchmark | frame bytes | frames/s | ± | B/frame | B/frame beyond the frame's own buffer |\n");
    md.append("|---|--:|--:|--:|--:|--:|\n");
    double baseline = Double.NaN;
    for (Object o : jmh) {
      JsonObject b = (JsonObject) o;
      if (b.getString("benchmark").endsWith("copyOnly")) {
        baseline = allocNorm(b);
      }
    }
    for (Object o : jmh) {
      JsonObject b = (JsonObject) o;
      JsonObject params = b.getJsonObject("params", new JsonObject());
      String name = b.getString("benchmark").endsWith("copyOnly") ? "copy only (baseline)"
          : params.getString("kind", b.getString("benchmark"));
      JsonObject primary = b.getJsonObject("primaryMetric");
      double alloc = allocNorm(b);
      md.append("| ").append(name)
          .append(" | ").append(params.getString("size", "?"))
          .append(" | ").append(thousands(primary.getDouble("score")))
          .append(" | ").append(thousands(primary.getDouble("scoreError")))
          .append(" | ").append(fixed(alloc, 1))
          .append(" | ").append(b.getString("benchmark").endsWith("copyOnly") || Double.isNaN(baseline) ? "–"
              : fixed(alloc - baseline, 1))
          .append(" |\n");
    }
    md.append('\n');
  }

  private static void appendTargets(StringBuilder md, List<JsonObject> load, List<JsonObject> scale, JsonArray jmh,
                                    Map<String, String> settings) {
    md.append("## Targets\n\n");
    md.append("Issue 4's, for every tcpgate variant against `direct`; the bridge issue's, for a variant whose worker "
        + "runs outside the JVM, against the in-JVM variant it is compared with. Both in the same run.\n\n");
    md.append("| target | measured | met |\n|---|--:|---|\n");
    Map<String, Map<String, List<JsonObject>>> scenarios = byScenario(load);
    for (String server : variants(load)) {
      String reference = settings.get("tcpgate." + server + ".vs");
      if (settings.containsKey("tcpgate." + server + ".worker")) {
        for (String id : List.of("b", "a")) {
          double[] goal = BRIDGE_TARGETS.get(id);
          double r = vsReference(scenarios.get(id), server, reference);
          if (Double.isNaN(r)) {
            continue;
          }
          md.append(String.format(Locale.ROOT, "| bridge, %s worker (%s vs %s): ≥ %.2f× in-JVM %s (aim %.1f×) | ",
                  workerKind(server, settings), server, reference, goal[0],
                  "b".equals(id) ? "at 50 × 1" : "pipelined, 50 × 16", goal[1]))
              .append(fixed(r, 2)).append(" × | ").append(r >= goal[0] ? (r >= goal[1] ? "yes, aim too" : "yes")
                  : "**no**").append(" |\n");
        }
        continue;
      }
      target(md, scenarios, server, "a", "(a) 50×16 pipelined: " + server + "/direct throughput ≥ 0.5 (aim 0.8)", 0.5);
      target(md, scenarios, server, "b", "(b) 50×1: " + server + "/direct throughput ≥ 0.85", 0.85);
      target(md, scenarios, server, "c", "(c) 1,000×1: " + server + "/direct throughput ≥ 0.85", 0.85);
      Map<String, List<JsonObject>> b = scenarios.get("b");
      if (b != null && b.containsKey(server) && b.containsKey("direct")) {
        double r = median(b.get(server), x -> lat(x, "p99")) / median(b.get("direct"), x -> lat(x, "p99"));
        md.append("| (b) 50×1: ").append(server).append(" p99 ≤ 1.5 × direct's | ").append(fixed(r, 2))
            .append(" × | ").append(r <= 1.5 ? "yes" : "**no**").append(" |\n");
      }
    }
    for (JsonObject r : scale) {
      if (!"tcpgate".equals(r.getJsonObject("labels").getString("server"))) {
        continue;
      }
      double raw = num(r.getJsonObject("rssKiBPerConn").getValue("idle"));
      double held = num(r.getJsonObject("memKiBPerConn", new JsonObject()).getValue("idle"));
      md.append("| (e) ≤ 8 KiB RSS per idle connection at ").append(String.format(Locale.ROOT, "%,d",
              r.getInteger("connected")))
          .append(" (aim 6) | RSS Δ ").append(fixed(raw, 2)).append(" KiB (non-heap RSS + live heap ")
          .append(fixed(held, 2)).append(" KiB) | ")
          .append(raw <= 8 ? "yes" : "**no**").append(" |\n");
      Long growth = r.getLong("heapGrowthTrafficBytes");
      if (growth != null) {
        double perConnBytes = growth / (double) r.getInteger("connected");
        md.append("| (e) live heap does not grow with traffic on idle connections (").append(r.getValue("trafficFrames"))
            .append(" more frames on each) | ")
            .append(String.format(Locale.ROOT, "%+.1f B/conn", perConnBytes)).append(" | ")
            .append(perConnBytes < 1024 ? "yes (< 1 KiB/conn; readings vary by a few MB)" : "**no**")
            .append(" |\n");
      }
    }
    double baseline = Double.NaN;
    double worst = Double.NaN;
    for (Object o : jmh) {
      JsonObject x = (JsonObject) o;
      if (x.getString("benchmark").endsWith("copyOnly")) {
        baseline = allocNorm(x);
      } else {
        worst = Double.isNaN(worst) ? allocNorm(x) : Math.max(worst, allocNorm(x));
      }
    }
    if (!Double.isNaN(baseline) && !Double.isNaN(worst)) {
      md.append("| framers allocate nothing per frame beyond the frame's own buffer (worst kind) | ")
          .append(fixed(worst - baseline, 1)).append(" B/frame extra | ")
          .append(worst - baseline < 8 ? "yes" : "**no**, see the framer table").append(" |\n");
    }
    md.append('\n');
  }

  /** Median throughput of a variant over that of its in-JVM reference in one scenario; NaN if either is missing. */
  private static double vsReference(Map<String, List<JsonObject>> scenario, String variant, String reference) {
    if (scenario == null || reference == null || !scenario.containsKey(variant) || !scenario.containsKey(reference)) {
      return Double.NaN;
    }
    return median(scenario.get(variant), x -> x.getDouble("throughput"))
        / median(scenario.get(reference), x -> x.getDouble("throughput"));
  }

  /** "Node" for bench/run.sh's +node worker, else the worker's command. */
  private static String workerKind(String variant, Map<String, String> settings) {
    String command = settings.getOrDefault("tcpgate." + variant + ".worker", "?");
    return command.startsWith("node ") ? "Node" : "`" + command + "`";
  }

  private static void target(StringBuilder md, Map<String, Map<String, List<JsonObject>>> scenarios, String server,
                             String id, String label, double min) {
    Map<String, List<JsonObject>> s = scenarios.get(id);
    if (s == null || !s.containsKey(server) || !s.containsKey("direct")) {
      return;
    }
    double r = median(s.get(server), x -> x.getDouble("throughput"))
        / median(s.get("direct"), x -> x.getDouble("throughput"));
    boolean met = r >= min;
    md.append("| ").append(label).append(" | ").append(fixed(r, 2)).append(" × | ").append(met ? "yes" : "**no**")
        .append(" |\n");
  }

  // ---------------------------------------------------------------------------------------------------------------

  private static Map<String, Map<String, List<JsonObject>>> byScenario(List<JsonObject> load) {
    Map<String, Map<String, List<JsonObject>>> out = new TreeMap<>();
    for (JsonObject r : load) {
      JsonObject labels = r.getJsonObject("labels");
      out.computeIfAbsent(labels.getString("scenario", "?"), k -> new LinkedHashMap<>())
          .computeIfAbsent(labels.getString("server", "?"), k -> new ArrayList<>()).add(r);
    }
    return out;
  }

  private static String server(JsonObject r) {
    return r.getJsonObject("labels", new JsonObject()).getString("server", "?");
  }

  /**
   * The servers of these results: the tcpgate variants in the order they first appear (round 1 runs them in the order
   * bench/run.sh was given), then the reference servers.
   */
  private static List<String> servers(List<JsonObject> results) {
    List<String> out = variants(results);
    for (String reference : REFERENCES) {
      if (results.stream().anyMatch(r -> reference.equals(server(r)))) {
        out.add(reference);
      }
    }
    return out;
  }

  private static List<String> variants(List<JsonObject> results) {
    List<String> out = new ArrayList<>();
    for (JsonObject r : results) {
      String server = server(r);
      if (!REFERENCES.contains(server) && !out.contains(server)) {
        out.add(server);
      }
    }
    return out;
  }

  private static List<JsonObject> sortByServer(List<JsonObject> results) {
    List<String> order = servers(results);
    List<JsonObject> out = new ArrayList<>(results);
    out.sort((x, y) -> Integer.compare(order.indexOf(server(x)), order.indexOf(server(y))));
    return out;
  }

  /** A tcpgate variant's config file, dispatch mode, where echo runs, and its jar if not the default one. */
  private static String describeVariant(String name, Map<String, String> settings) {
    String conf = settings.get("tcpgate." + name + ".conf");
    if (conf == null) {
      // runs from before the variants were configurable recorded these two only
      conf = settings.get(Map.of("tcpgate", "tcpgate_conf", "tcpgate-el", "tcpgate_el_conf").getOrDefault(name, ""));
    }
    if (conf == null || conf.isBlank()) {
      return "config not recorded";
    }
    String jar = settings.getOrDefault("tcpgate." + name + ".jar", DEFAULT_JAR);
    JsonObject json;
    try {
      json = new JsonObject(Files.readString(Path.of(conf)));
    } catch (IOException | RuntimeException e) {
      return "`" + conf + "` (not readable now: " + e.getMessage() + ")" + describeJar(name, jar, settings);
    }
    // an unset dispatch is ordered only for this build's jar; a run recorded without the jar may predate dispatch
    boolean currentJar = settings.containsKey("tcpgate." + name + ".jar") && DEFAULT_JAR.equals(jar);
    String dispatch = describeDispatch(json, currentJar);
    String body = describeBody(json);
    String scenarios = settings.containsKey("tcpgate." + name + ".scenarios")
        ? "; scenarios " + String.join(", ", settings.get("tcpgate." + name + ".scenarios").split("")) + " only" : "";
    String worker = settings.get("tcpgate." + name + ".worker");
    if (worker != null) {
      String node = settings.containsKey("node_version") ? " (Node " + settings.get("node_version") + ")" : "";
      String reference = settings.getOrDefault("tcpgate." + name + ".vs", "");
      return "`" + conf + "`; dispatch " + dispatch + body + "; no worker in the JVM: the event-bus bridge on "
          + "127.0.0.1, and `" + worker + "`" + node + " in a process of its own, registered for the listeners' "
          + "address through the bridge, answers every frame with its body"
          + (reference.isEmpty() ? "" : "; compared with **" + reference + "**") + scenarios
          + describeJar(name, jar, settings);
    }
    String threading = "";
    int instances = 1;
    JsonArray workers = json.getJsonArray("workers", new JsonArray());
    if (!workers.isEmpty()) {
      threading = workers.getJsonObject(0).getString("threading", "worker");
      instances = workers.getJsonObject(0).getInteger("instances", 1);
    }
    return "`" + conf + "`; dispatch " + dispatch + body + "; echo: " + instances + " instance(s) on "
        + ("event-loop".equals(threading) ? "event-loop threads" : "worker threads")
        + ("event-loop".equals(threading) && !dispatch.startsWith("**pinned**")
            ? " (Vert.x picks a consumer round-robin, whatever the connection's event loop, so requests still cross "
                + "threads between event loops)" : "")
        + describeAdmissionAndTls(json) + scenarios + describeJar(name, jar, settings);
  }

  /** The admission and TLS settings of a config's listeners, if any: "; admission on every listener: …". */
  private static String describeAdmissionAndTls(JsonObject conf) {
    JsonArray listeners = conf.getJsonArray("listeners", new JsonArray());
    Set<String> admission = new LinkedHashSet<>();
    int withTls = 0;
    for (Object o : listeners) {
      JsonObject listener = (JsonObject) o;
      JsonObject a = listener.getJsonObject("admission");
      admission.add(a == null ? "" : a.encode());
      withTls += listener.containsKey("tls") ? 1 : 0;
    }
    StringBuilder out = new StringBuilder();
    if (!admission.equals(Set.of(""))) {
      out.append("; **admission** ").append(admission.size() == 1 ? "on every listener" : "per listener")
          .append(": `").append(String.join("` / `", admission)).append('`');
    }
    if (withTls > 0) {
      out.append("; **TLS** on ").append(withTls == listeners.size() ? "every listener" : withTls + " listener(s)")
          .append(" (`tls`: the run's certificate, filled in by bench/run.sh)");
    }
    return out.toString();
  }

  /** The listeners' body type when it is not the default {@code buffer}: "; body string". */
  private static String describeBody(JsonObject conf) {
    Set<String> bodies = new LinkedHashSet<>();
    for (Object o : conf.getJsonArray("listeners", new JsonArray())) {
      bodies.add(((JsonObject) o).getString("body", "buffer"));
    }
    return bodies.equals(Set.of("buffer")) ? "" : "; body " + String.join(" / ", bodies);
  }

  /** The dispatch mode of every listener of a config, its own or the defaults' one, with what it does. */
  private static String describeDispatch(JsonObject conf, boolean currentJar) {
    JsonObject defaults = conf.getJsonObject("defaults", new JsonObject());
    Map<String, String> byListener = new LinkedHashMap<>();
    for (Object o : conf.getJsonArray("listeners", new JsonArray())) {
      JsonObject listener = (JsonObject) o;
      byListener.put(listener.getString("name", "?"), listener.getString("dispatch", defaults.getString("dispatch",
          "")));
    }
    List<String> modes = new ArrayList<>(new LinkedHashSet<>(byListener.values()));
    if (modes.size() != 1) {
      List<String> each = new ArrayList<>();
      byListener.forEach((listener, mode) -> each.add("`" + listener + "` " + (mode.isEmpty() ? "unset" : mode)));
      return "per listener: " + String.join(", ", each);
    }
    String mode = modes.get(0);
    if (mode.isEmpty()) {
      return currentJar ? "**ordered** (the default; the file sets none): " + DISPATCH_MODES.get("ordered")
          : "not set, the jar's own default (a build from before dispatch modes existed sends a connection's frames "
              + "to any instance concurrently, as parallel does)";
    }
    return "**" + mode + "**" + (DISPATCH_MODES.containsKey(mode) ? ": " + DISPATCH_MODES.get(mode) : "");
  }

  private static String describeJar(String name, String jar, Map<String, String> settings) {
    if (DEFAULT_JAR.equals(jar)) {
      return "";
    }
    String sha = settings.get("tcpgate." + name + ".jar_sha256");
    return "; jar `" + jar + "`" + (sha == null ? "" : " (SHA-256 " + sha + "…)");
  }

  private static String describe(JsonObject r) {
    return String.format(Locale.ROOT, "%,d conn × %d in flight, %,d B %s", r.getInteger("connections"),
        r.getInteger("pipeline"), r.getInteger("size"), r.getString("framing"));
  }

  private static double lat(JsonObject r, String key) {
    return num(r.getJsonObject("latencyUs").getValue(key));
  }

  static double cpu(JsonObject r) {
    return num(r.getJsonObject("server").getValue("cpuUsPerReq"));
  }

  /** CPU µs per request of the run's worker process; NaN for a run without one. */
  static double workerCpu(JsonObject r) {
    JsonObject worker = r.getJsonObject("worker");
    return worker == null ? Double.NaN : num(worker.getValue("cpuUsPerReq"));
  }

  private static boolean hasWorker(List<JsonObject> runs) {
    return runs.stream().anyMatch(r -> r.getJsonObject("worker") != null);
  }

  private static double allocNorm(JsonObject b) {
    JsonObject secondary = b.getJsonObject("secondaryMetrics", new JsonObject());
    JsonObject norm = secondary.getJsonObject("gc.alloc.rate.norm");
    return norm == null ? Double.NaN : norm.getDouble("score");
  }

  private static double num(Object value) {
    return value instanceof Number ? ((Number) value).doubleValue() : Double.NaN;
  }

  static double median(List<JsonObject> runs, Function<JsonObject, Double> metric) {
    List<Double> values = new ArrayList<>();
    for (JsonObject r : runs) {
      Double v = metric.apply(r);
      if (v != null && !v.isNaN()) {
        values.add(v);
      }
    }
    if (values.isEmpty()) {
      return Double.NaN;
    }
    Collections.sort(values);
    int n = values.size();
    return n % 2 == 1 ? values.get(n / 2) : (values.get(n / 2 - 1) + values.get(n / 2)) / 2;
  }

  private static String ratio(double value, double reference) {
    if (Double.isNaN(value) || Double.isNaN(reference) || reference == 0) {
      return "–";
    }
    return String.format(Locale.ROOT, "%.2f", value / reference);
  }

  private static String thousands(double v) {
    return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%,.0f", v);
  }

  private static String us(double v) {
    if (Double.isNaN(v)) {
      return "–";
    }
    return v >= 100 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.1f", v);
  }

  private static String fixed(double v, int decimals) {
    return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%." + decimals + "f", v);
  }

  private static List<JsonObject> readJsonLines(Path file) throws IOException {
    List<JsonObject> out = new ArrayList<>();
    if (!Files.exists(file)) {
      return out;
    }
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (line.startsWith("{")) {
        out.add(new JsonObject(line));
      }
    }
    return out;
  }

  private static Map<String, String> readSettings(Path file) throws IOException {
    Map<String, String> out = new LinkedHashMap<>();
    if (!Files.exists(file)) {
      return out;
    }
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        out.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
      }
    }
    return out;
  }

  private static String text(Path dir, String name) throws IOException {
    Path file = dir.resolve(name);
    return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "(not recorded)";
  }

  /** The throughput of each round, a disturbed run (other processes busy) marked with {@code *}. */
  private static String perRound(List<JsonObject> runs) {
    StringBuilder perRound = new StringBuilder();
    for (JsonObject r : runs) {
      perRound.append(perRound.length() == 0 ? "" : ", ").append(thousands(r.getDouble("throughput")));
      if (disturbed(r)) {
        perRound.append('*');
      }
    }
    return perRound.toString();
  }

  private static int disturbedRuns(List<JsonObject> runs) {
    return (int) runs.stream().filter(BenchReport::disturbed).count();
  }

  private static boolean disturbed(JsonObject run) {
    return num(run.getJsonObject("machine", new JsonObject()).getValue("otherCores")) > BUSY_MACHINE_CORES;
  }
}
