package io.tcpgate.process;

import io.tcpgate.testing.RawClient;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;

import static io.tcpgate.testing.Bytes.bytes;
import static io.tcpgate.testing.Bytes.concat;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code java -jar tcpgate.jar} without {@code -conf} serves the configuration packaged in the jar (a copy of
 * {@code conf/config.json}: lines echo, binary echo, kv, and the admin server). Its fixed ports and wildcard hosts
 * are overridden with system properties or environment variables, the same mechanism an operator uses.
 */
class DefaultConfigIT {

  private static final String[] LISTENERS = {"lines", "binary", "kv"};

  @Test
  void noArgumentRunsThePackagedDefaultWithSystemPropertyOverrides() throws Exception {
    GatewayProcess.Builder builder = GatewayProcess.jar();
    for (int i = 0; i < LISTENERS.length; i++) {
      builder.jvmArg("-Dtcpgate.listeners." + i + ".port=0").jvmArg("-Dtcpgate.listeners." + i + ".host=127.0.0.1");
    }
    builder.jvmArg("-Dtcpgate.admin.port=0").jvmArg("-Dtcpgate.admin.host=127.0.0.1");
    try (GatewayProcess gateway = builder.start()) {
      gateway.awaitStarted();
      assertThat(gateway.output()).contains("configuration (packaged default): 3 listener(s), 2 worker(s)");
      Map<String, Integer> ports = gateway.boundPorts();
      assertThat(ports).containsOnlyKeys(LISTENERS);
      assertThat(ports.values()).doesNotContain(7000, 7001, 7002).doesNotHaveDuplicates();
      assertReady(gateway);

      assertLinesEcho(ports.get("lines"));
      assertBinaryEcho(ports.get("binary"));
      assertKeyValue(ports.get("kv"));
      gateway.assertNoErrorsOrStackTraces();
    }
  }

  @Test
  void environmentVariablesOverrideThePackagedDefaultAndSystemPropertiesWinOverThem() throws Exception {
    try (ServerSocket held = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      GatewayProcess.Builder builder = GatewayProcess.jar();
      for (int i = 0; i < LISTENERS.length; i++) {
        builder.env("TCPGATE_LISTENERS_" + i + "_PORT", "0").env("TCPGATE_LISTENERS_" + i + "_HOST", "127.0.0.1");
      }
      builder.env("TCPGATE_ADMIN_PORT", "0").env("TCPGATE_ADMIN_HOST", "127.0.0.1");
      // the env names keys case-insensitively: DEFAULTS_MAXFRAMEBYTES is defaults.maxFrameBytes
      builder.env("TCPGATE_DEFAULTS_MAXFRAMEBYTES", "8");
      // the env points kv at a port that is taken; the system property must win, else the bind fails
      builder.env("TCPGATE_LISTENERS_2_PORT", Integer.toString(held.getLocalPort()));
      builder.jvmArg("-Dtcpgate.listeners.2.port=0");
      try (GatewayProcess gateway = builder.start()) {
        gateway.awaitStarted();
        assertThat(gateway.output()).contains("configuration (packaged default)");
        Map<String, Integer> ports = gateway.boundPorts();
        assertThat(ports).containsOnlyKeys(LISTENERS);
        assertThat(ports.values()).doesNotContain(7000, 7001, 7002, held.getLocalPort());
        assertReady(gateway);

        try (RawClient client = RawClient.connect(ports.get("lines"))) {
          assertThat(client.send("short\n").readLine()).isEqualTo("short");
          assertThat(client.send("longer than eight\n").readLine()).isEqualTo("ERR frame-too-large");
          assertThat(client.awaitClosedByServer()).isTrue();
        }
        try (RawClient client = RawClient.connect(ports.get("kv"))) {
          assertThat(client.send("SET k v\n").readLine()).isEqualTo("OK");
          assertThat(client.send("GET k\n").readLine()).isEqualTo("v");
        }
        gateway.assertNoErrorsOrStackTraces();
      }
    }
  }

  /** The packaged default also runs the admin server; here on a loopback ephemeral port, and ready. */
  private static void assertReady(GatewayProcess gateway) throws IOException, InterruptedException {
    Matcher admin = gateway.awaitLine("admin server on 127\\.0\\.0\\.1:(\\d+) ");
    int port = Integer.parseInt(admin.group(1));
    assertThat(port).isNotEqualTo(9090);
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    HttpResponse<String> ready = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
      + "/health/ready")).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(ready.statusCode()).as("/health/ready: %s", ready.body()).isEqualTo(200);
  }

  private static void assertLinesEcho(int port) throws IOException {
    try (RawClient client = RawClient.connect(port)) {
      assertThat(client.send("hello\n").readLine()).isEqualTo("hello");
      assertThat(client.send("first\nsecond\n").readLine()).isEqualTo("first");
      assertThat(client.readLine()).isEqualTo("second");
      assertThat(client.send("spl").send("it\n").readLine()).isEqualTo("split");
    }
  }

  private static void assertBinaryEcho(int port) throws IOException {
    byte[] payload = "bin\n\0ary".getBytes(StandardCharsets.ISO_8859_1);
    try (RawClient client = RawClient.connect(port)) {
      byte[] first = concat(header(payload.length), payload);
      byte[] empty = bytes("00 00 00 00");
      client.send(concat(first, empty));
      assertThat(client.readExactly(first.length)).isEqualTo(first);
      assertThat(client.readExactly(4)).isEqualTo(empty);

      byte[] large = new byte[300];
      for (int i = 0; i < large.length; i++) {
        large[i] = (byte) i;
      }
      client.send(header(large.length));
      client.send(large);
      assertThat(client.readExactly(4)).isEqualTo(bytes("00 00 01 2c"));
      assertThat(client.readExactly(large.length)).isEqualTo(large);
    }
  }

  private static void assertKeyValue(int port) throws IOException {
    try (RawClient client = RawClient.connect(port)) {
      assertThat(client.send("GET colour\n").readLine()).isEqualTo("NIL");
      assertThat(client.send("SET colour dark blue\n").readLine()).isEqualTo("OK");
      assertThat(client.send("GET colour\n").readLine()).isEqualTo("dark blue");
      assertThat(client.send("DEL colour\n").readLine()).isEqualTo("1");
      assertThat(client.send("DEL colour\n").readLine()).isEqualTo("0");
      assertThat(client.send("GET colour\n").readLine()).isEqualTo("NIL");
      assertThat(client.send("INCR colour\n").readLine()).isEqualTo("ERR unknown-command");
      assertThat(client.send("SET onlykey\n").readLine()).isEqualTo("ERR unknown-command");
    }
  }

  private static byte[] header(int length) {
    return ByteBuffer.allocate(4).putInt(length).array();
  }
}
