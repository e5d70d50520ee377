package io.tcpgate.listener;

import io.tcpgate.config.TransportChoice;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Every guarantee of {@link AddressFamilyBindingTest} on the NIO transport, the fallback where epoll is missing. */
class AddressFamilyBindingOnNioTest extends AddressFamilyBindingTest {

  @Override
  TransportChoice transport() {
    return TransportChoice.NIO;
  }

  @Test
  void runsOnNio() {
    assertThat(gw.app().transport()).isEqualTo("nio");
  }
}
