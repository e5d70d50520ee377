package io.tcpgate.process;

import io.tcpgate.testing.RawClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Client misbehaviour is routine for a gateway: it is answered on the wire and counted, never logged as an ERROR or
 * with a stack trace, while the lifecycle (bound, shutdown requested, drain complete) is logged at INFO.
 */
class LogsIT {

  @TempDir
  Path dir;

  @Test
  void oversizeFrameResetMidFrameIdleTimeoutAndFrameTimeoutLogNoErrorAndNoStackTrace() throws Exception {
    Path conf = GatewayProcess.writeConfig(dir, "strict.json", """
      {
        "admin": {"enabled": false},
        "listeners": [
          {"name": "small", "host": "127.0.0.1", "port": 0, "family": "ipv4", "address": "tcpgate.echo",
           "framing": {"kind": "lines", "maxFrameBytes": 16}},
          {"name": "idle", "host": "127.0.0.1", "port": 0, "family": "ipv4", "address": "tcpgate.echo",
           "idleTimeoutSeconds": 1},
          {"name": "slowframe", "host": "127.0.0.1", "port": 0, "family": "ipv4", "address": "tcpgate.echo",
           "frameTimeoutMs": 200}
        ],
        "workers": [{"verticle": "echo", "config": {"address": "tcpgate.echo"}}]
      }""");
    try (GatewayProcess gateway = GatewayProcess.jar().conf(conf).start()) {
      int small = gateway.port("small");
      int idle = gateway.port("idle");
      int slowFrame = gateway.port("slowframe");
      gateway.awaitStarted();

      // the idle connection times out while the other cases run
      long idleSince = System.nanoTime();
      try (RawClient idler = RawClient.connect(idle)) {
        try (RawClient client = RawClient.connect(small)) {
          assertThat(client.send("fits\n").readLine()).isEqualTo("fits");
          assertThat(client.send("x".repeat(40)).readLine()).isEqualTo("ERR frame-too-large");
          assertThat(client.awaitClosedByServer()).as("closed after frame-too-large").isTrue();
        }

        RawClient resetter = RawClient.connect(small);
        assertThat(resetter.send("ok\n").readLine()).isEqualTo("ok");
        resetter.send("half a fr");
        resetter.reset();

        try (RawClient client = RawClient.connect(slowFrame)) {
          long start = System.nanoTime();
          assertThat(client.send("never finish").readLine()).isEqualTo("ERR frame-timeout");
          assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(150);
          assertThat(client.awaitClosedByServer()).as("closed after frame-timeout").isTrue();
        }

        assertThat(idler.awaitClosedByServer()).as("idle connection closed").isTrue();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - idleSince)).isGreaterThanOrEqualTo(900);
      }

      // the listener is still healthy after the reset
      try (RawClient client = RawClient.connect(small)) {
        assertThat(client.send("still here\n").readLine()).isEqualTo("still here");
      }

      gateway.signal("TERM");
      assertThat(gateway.awaitExit()).as("exit code; output:%n%s", gateway.output()).isZero();
      assertThat(gateway.output()).contains(
        "listener 'small' bound 127.0.0.1:" + small,
        "listener 'idle' bound 127.0.0.1:" + idle,
        "listener 'slowframe' bound 127.0.0.1:" + slowFrame,
        "tcpgate started with 3 listener(s)",
        "shutdown requested",
        "drain complete",
        "tcpgate stopped");
      assertThat(gateway.lines()).filteredOn(line -> line.contains("shutdown requested"))
        .singleElement().asString().contains(" INFO ");
      assertThat(gateway.lines()).filteredOn(line -> line.contains("drain complete"))
        .singleElement().asString().contains(" INFO ");
      gateway.assertNoErrorsOrStackTraces();
    }
  }
}
