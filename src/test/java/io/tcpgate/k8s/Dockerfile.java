package io.tcpgate.k8s;

import io.vertx.core.json.JsonArray;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The few Dockerfile instructions that must agree with the manifests, as of the last stage: its base image, user,
 * exposed ports, working directory, ENTRYPOINT + CMD (exec form only) and where it copies each source file.
 */
record Dockerfile(String from, String user, Set<Integer> exposed, String workdir, List<String> commandLine,
                  Map<String, String> copies) {

  static Dockerfile parse(Path file) throws IOException {
    assertThat(file).as("Dockerfile " + file).isRegularFile();
    List<String> instructions = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String raw : Files.readAllLines(file)) {
      String line = raw.strip();
      if (current.length() == 0 && (line.isEmpty() || line.startsWith("#"))) {
        continue;
      }
      if (line.startsWith("#")) {
        continue;
      }
      if (line.endsWith("\\")) {
        current.append(line, 0, line.length() - 1).append(' ');
      } else {
        current.append(line);
        instructions.add(current.toString().strip());
        current.setLength(0);
      }
    }
    String from = null;
    String user = null;
    String workdir = "/";
    Set<Integer> exposed = new TreeSet<>();
    List<String> entrypoint = List.of();
    List<String> cmd = List.of();
    Map<String, String> copies = new LinkedHashMap<>(); // source -> absolute destination file
    for (String ins : instructions) {
      String[] parts = ins.split("\\s+", 2);
      String op = parts[0].toUpperCase(Locale.ROOT);
      String rest = parts.length > 1 ? parts[1].strip() : "";
      switch (op) {
        case "FROM" -> {
          from = rest.split("\\s+")[0];
          exposed.clear();
          entrypoint = List.of();
          cmd = List.of();
        }
        case "USER" -> user = rest.split(":")[0];
        case "WORKDIR" -> workdir = rest.startsWith("/") ? rest : workdir + "/" + rest;
        case "EXPOSE" -> {
          for (String p : rest.split("\\s+")) {
            exposed.add(Integer.parseInt(p.replaceAll("/(tcp|udp)$", "")));
          }
        }
        case "ENTRYPOINT" -> {
          entrypoint = execForm(op, rest);
          cmd = List.of();
        }
        case "CMD" -> cmd = execForm(op, rest);
        case "COPY", "ADD" -> {
          List<String> args = Stream.of(rest.split("\\s+")).filter(a -> !a.startsWith("--")).toList();
          String dest = args.get(args.size() - 1);
          if (!dest.startsWith("/")) {
            dest = (workdir.endsWith("/") ? workdir : workdir + "/") + dest;
          }
          for (String src : args.subList(0, args.size() - 1)) {
            String target = dest.endsWith("/") || args.size() > 2
              ? (dest.endsWith("/") ? dest : dest + "/") + Path.of(src).getFileName() : dest;
            copies.put(src, target);
          }
        }
        default -> {
        }
      }
    }
    List<String> all = new ArrayList<>(entrypoint);
    all.addAll(cmd);
    return new Dockerfile(from, user, exposed, workdir, all, copies);
  }

  private static List<String> execForm(String op, String rest) {
    if (!rest.startsWith("[")) {
      throw new AssertionError("Dockerfile " + op + " must use the exec form [\"program\", ...]: in shell form"
        + " /bin/sh is PID 1 and the program never receives SIGTERM itself: " + rest);
    }
    JsonArray array = new JsonArray(rest);
    List<String> out = new ArrayList<>();
    array.forEach(v -> out.add(String.valueOf(v)));
    return out;
  }

  String copyDestination(String source) {
    return copies.get(source);
  }

  String copySourceTo(String destination) {
    Set<String> sources = new LinkedHashSet<>();
    copies.forEach((src, dest) -> {
      if (dest.equals(destination)) {
        sources.add(src);
      }
    });
    return sources.isEmpty() ? null : sources.iterator().next();
  }
}
