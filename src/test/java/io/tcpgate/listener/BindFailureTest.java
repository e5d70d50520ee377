package io.tcpgate.listener;

import io.tcpgate.testing.TestGateway;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.ExecutionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A bind failure names the listener, host, port and OS reason, and leaves no other listener bound. */
@ExtendWith(VertxExtension.class)
class BindFailureTest {

  private TestGateway gw;

  @BeforeEach
  void setUp() {
    gw = new TestGateway();
  }

  @AfterEach
  void tearDown(VertxTestContext ctx) {
    gw.close().onComplete(ctx.succeedingThenComplete());
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }

  @Test
  void portInUse_failsWithListenerHostPortAndReason_andUnbindsTheOthers() throws Exception {
    int firstPort = freePort();
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress("127.0.0.1", 0));
      int busy = taken.getLocalPort();
      JsonObject config = TestGateway.config(
        TestGateway.listener("first", "echo").put("port", firstPort),
        TestGateway.listener("second", "echo").put("port", busy));
      ExecutionException failure = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> gw.start(config).toCompletionStage().toCompletableFuture().get());
      assertThat(failure.getCause()).isInstanceOf(BindException.class)
        .hasMessageContaining("listener 'second'")
        .hasMessageContaining("127.0.0.1:" + busy)
        .hasMessageContaining("Address already in use");
      assertThat(((BindException) failure.getCause()).listener()).isEqualTo("second");
    }
    try (ServerSocket again = new ServerSocket()) {
      again.bind(new InetSocketAddress("127.0.0.1", firstPort));
      assertThat(again.isBound()).isTrue();
    }
    assertThat(gw.stats().listener("first").servers()).isZero();
  }

  @Test
  void addressNotOnThisHost_failsWithTheOsReason() {
    JsonObject config = TestGateway.config(TestGateway.listener("elsewhere", "echo").put("host", "192.0.2.1"));
    assertThatThrownBy(() -> gw.start(config).toCompletionStage().toCompletableFuture().get())
      .hasCauseInstanceOf(BindException.class)
      .cause()
      .hasMessageContaining("listener 'elsewhere'")
      .hasMessageContaining("192.0.2.1:0")
      .hasMessageContaining("Cannot assign requested address");
  }
}
