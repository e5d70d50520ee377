package io.tcpgate.testing;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a documented shell command as a reader would paste it, bounded in time. */
public final class Shell {

  /** What a command printed and how it ended. */
  public record Run(List<String> stdout, String stderr, String exit) {
  }

  private Shell() {
  }

  /** {@code bash -c command}, stdin from /dev/null, killed after {@code timeoutMs}; its stdout lines, stderr, exit. */
  public static Run run(String command, long timeoutMs) throws IOException, InterruptedException {
    Process process = new ProcessBuilder("bash", "-c", command)
      .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
      .start();
    if (!process.waitFor(timeoutMs, TimeUnit.MILLISECONDS)) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      process.waitFor(5, TimeUnit.SECONDS);
      return new Run(List.of(), "", "none: still running after " + timeoutMs + " ms, killed");
    }
    String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    List<String> lines = stdout.isEmpty() ? List.of() : Arrays.asList(stdout.split("\n", -1));
    if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
      lines = lines.subList(0, lines.size() - 1);
    }
    return new Run(List.copyOf(lines), stderr, Integer.toString(process.exitValue()));
  }
}
