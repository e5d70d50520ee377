package io.tcpgate.connection;

import io.vertx.core.MultiMap;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The per-request header map: the same answers as Vert.x's own map, whether read, iterated or changed. */
class RequestHeadersTest {

  private static RequestHeaders headers() {
    return new RequestHeaders(new RequestHeaders.Shared(
      List.of("tcpgate-connection-id", "tcpgate-listener", "tcpgate-remote-address", "tcpgate-local-address"),
      List.of("n1-7", "lines", "127.0.0.1:5000", "127.0.0.1:7000")), 42, 1_800_000_000_000L);
  }

  private static MultiMap reference() {
    return MultiMap.caseInsensitiveMultiMap()
      .add("tcpgate-connection-id", "n1-7").add("tcpgate-listener", "lines")
      .add("tcpgate-remote-address", "127.0.0.1:5000").add("tcpgate-local-address", "127.0.0.1:7000")
      .add("tcpgate-seq", "42").add("tcpgate-deadline", "1800000000000");
  }

  private static List<String> pairs(MultiMap map) {
    return map.entries().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
  }

  @Test
  void readsLikeVertxsMap() {
    MultiMap headers = headers();
    MultiMap reference = reference();
    assertThat(pairs(headers)).containsExactlyInAnyOrderElementsOf(pairs(reference));
    assertThat(headers.names()).containsExactlyInAnyOrderElementsOf(reference.names());
    assertThat(headers.size()).isEqualTo(reference.size());
    assertThat(headers.isEmpty()).isFalse();
    for (String name : List.of("tcpgate-seq", "TCPGATE-SEQ", "Tcpgate-Deadline", "tcpgate-listener", "nope")) {
      assertThat(headers.get(name)).as(name).isEqualTo(reference.get(name));
      assertThat(headers.get((CharSequence) name)).isEqualTo(reference.get(name));
      assertThat(headers.getAll(name)).isEqualTo(reference.getAll(name));
      assertThat(headers.contains(name)).isEqualTo(reference.contains(name));
    }
    List<String> seen = new java.util.ArrayList<>();
    headers.forEach((k, v) -> seen.add(k + "=" + v));
    assertThat(seen).containsExactlyInAnyOrderElementsOf(pairs(reference));
  }

  @Test
  void changesGoToAnOrdinaryMapHoldingTheSameEntries() {
    MultiMap headers = headers();
    headers.add("x-trace", "abc").set("tcpgate-seq", "43").remove("TCPGATE-LISTENER");
    MultiMap reference = reference().add("x-trace", "abc").set("tcpgate-seq", "43").remove("tcpgate-listener");
    assertThat(pairs(headers)).containsExactlyInAnyOrderElementsOf(pairs(reference));
    assertThat(headers.get("tcpgate-seq")).isEqualTo("43");
    assertThat(headers.get("tcpgate-listener")).isNull();
    assertThat(headers.size()).isEqualTo(reference.size());
    MultiMap copy = headers.copy();
    copy.add("more", "1");
    assertThat(headers.contains("more")).as("a copy is independent").isFalse();
    headers.clear();
    assertThat(headers.isEmpty()).isTrue();
    for (Map.Entry<String, String> ignored : headers) {
      throw new AssertionError("cleared");
    }
  }
}
