package io.tcpgate.internal;

import io.tcpgate.internal.VertxInternals.Requirement;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The startup check of Vert.x's implementation classes: silent on the Vert.x tcpgate ships with, precise otherwise. */
class VertxInternalsTest {

  private static final ClassLoader LOADER = VertxInternalsTest.class.getClassLoader();

  @Test
  void check_passesOnTheRunningVertx() {
    assertThatCode(VertxInternals::check).doesNotThrowAnyException();
  }

  @Test
  void builtAgainst_isTheVertxVersionOnTheClasspath() throws IOException {
    try (InputStream version = Vertx.class.getResourceAsStream("/META-INF/vertx/vertx-version.txt")) {
      assertThat(version).as("vertx-core's version resource").isNotNull();
      assertThat(new String(version.readAllBytes(), StandardCharsets.UTF_8).trim())
        .isEqualTo(VertxInternals.BUILT_AGAINST);
    }
  }

  @Test
  void check_withAMissingClassMethodAndField_namesEachOfThemAndTheVersionBuiltAgainst() {
    List<Requirement> requirements = List.of(
      new Requirement("io.vertx.core.eventbus.impl.EventBusImpl", "createMessage", false, "present method"),
      new Requirement("io.vertx.core.eventbus.impl.NoSuchBusImpl", null, false, "the missing class"),
      new Requirement("io.vertx.core.eventbus.impl.EventBusImpl", "noSuchMethod", false, "the missing method"),
      new Requirement("io.vertx.core.eventbus.impl.OutboundDeliveryContext", "noSuchField", true,
        "the missing field"),
      new Requirement("io.vertx.core.eventbus.impl.OutboundDeliveryContext", "writePromise", true, "present field"));

    assertThatThrownBy(() -> VertxInternals.check(requirements, LOADER))
      .isInstanceOf(IllegalStateException.class)
      .hasMessageContaining("io.vertx.core.eventbus.impl.NoSuchBusImpl")
      .hasMessageContaining("the missing class")
      .hasMessageContaining("io.vertx.core.eventbus.impl.EventBusImpl#noSuchMethod()")
      .hasMessageContaining("the missing method")
      .hasMessageContaining("io.vertx.core.eventbus.impl.OutboundDeliveryContext#noSuchField (field)")
      .hasMessageContaining("the missing field")
      .hasMessageContaining("built against Vert.x " + VertxInternals.BUILT_AGAINST)
      .hasMessageNotContaining("present method")
      .hasMessageNotContaining("present field");
  }

  @Test
  void check_aMethodNameRequiredAsAField_isMissing() {
    // createMessage is a method: a requirement for a field of that name must not be satisfied by it
    List<Requirement> requirements = List.of(
      new Requirement("io.vertx.core.eventbus.impl.EventBusImpl", "createMessage", true, "a field by that name"));

    assertThatThrownBy(() -> VertxInternals.check(requirements, LOADER))
      .isInstanceOf(IllegalStateException.class)
      .hasMessageContaining("EventBusImpl#createMessage (field)");
  }
}
