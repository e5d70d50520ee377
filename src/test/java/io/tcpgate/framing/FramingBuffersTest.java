package io.tcpgate.framing;

import static io.tcpgate.framing.FramingFixtures.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.tcpgate.internal.Buffers;
import io.vertx.core.buffer.Buffer;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;

import org.junit.jupiter.api.Test;

/** The in-place buffer edits the framers use ({@link Buffers}), and their copying fallback. */
class FramingBuffersTest {

  @Test
  void truncateShortensVertxBuffersInPlace() {
    Buffer buffer = text("hello\r");
    Buffer result = Buffers.truncate(buffer, 5);
    assertThat(result).isSameAs(buffer);
    assertThat(result.toString()).isEqualTo("hello");
    assertThat(Buffers.truncate(buffer, 0).length()).isZero();
    assertThat(buffer.appendString("x").toString()).isEqualTo("x");
  }

  @Test
  void dropPrefixMovesTheRestToTheFrontInPlace() {
    Buffer buffer = text("\0\0\0\5hello");
    Buffer result = Buffers.dropPrefix(buffer, 4);
    assertThat(result).isSameAs(buffer);
    assertThat(result.toString()).isEqualTo("hello");
    assertThat(buffer.appendString("!").toString()).isEqualTo("hello!");
    assertThat(Buffers.dropPrefix(text("ab"), 2).length()).isZero();
    assertThat(Buffers.dropPrefix(text("ab"), 0).toString()).isEqualTo("ab");
  }

  @Test
  void otherBufferImplementationsGetACopy() {
    Buffer foreign = foreign(text("hello\r"));
    Buffer truncated = Buffers.truncate(foreign, 5);
    assertThat(truncated).isNotSameAs(foreign);
    assertThat(truncated.toString()).isEqualTo("hello");
    assertThat(foreign.length()).isEqualTo(6);

    Buffer dropped = Buffers.dropPrefix(foreign, 2);
    assertThat(dropped).isNotSameAs(foreign);
    assertThat(dropped.toString()).isEqualTo("llo\r");
    assertThat(foreign.length()).isEqualTo(6);
  }

  /** A Buffer that is not Vert.x's implementation class, delegating to one. */
  private static Buffer foreign(Buffer delegate) {
    return (Buffer) Proxy.newProxyInstance(Buffer.class.getClassLoader(), new Class<?>[] {Buffer.class},
        (proxy, method, args) -> {
          try {
            return method.invoke(delegate, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }
}
