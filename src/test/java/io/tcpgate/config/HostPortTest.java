package io.tcpgate.config;

import io.tcpgate.listener.KernelSockets;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class HostPortTest {

  @Test
  void ipv4AndNamesAreWrittenAsIs() {
    assertThat(HostPort.format("127.0.0.1", 7000)).isEqualTo("127.0.0.1:7000");
    assertThat(HostPort.format("0.0.0.0", 0)).isEqualTo("0.0.0.0:0");
    assertThat(HostPort.format("localhost", 80)).isEqualTo("localhost:80");
  }

  @Test
  void anyHostWithAColonGetsBrackets() {
    assertThat(HostPort.format("::", 7000)).isEqualTo("[::]:7000");
    assertThat(HostPort.format("::ffff:10.0.0.1", 65535)).isEqualTo("[::ffff:10.0.0.1]:65535");
    assertThat(HostPort.format("fe80::1", 1)).isEqualTo("[fe80::1]:1");
  }

  @Test
  void listenerConfigUsesIt() {
    ListenerConfig listener = GatewayConfig.fromJson(new JsonObject().put("listeners",
      new JsonArray().add(new JsonObject().put("name", "a").put("host", "::1")
        .put("family", "ipv6").put("port", 0).put("address", "x")))).listeners().get(0);
    assertThat(listener.hostAndPort(7000)).isEqualTo("[::1]:7000");
  }

  @Test
  void kernelSocketListingUsesIt() {
    assertThat(new KernelSockets.Listening("tcp6", "::", 7000)).hasToString("tcp6 [::]:7000");
    assertThat(new KernelSockets.Listening("tcp", "127.0.0.1", 7000)).hasToString("tcp 127.0.0.1:7000");
  }
}
