package io.tcpgate.framing;

import static io.tcpgate.framing.FramingFixtures.bytes;
import static io.tcpgate.framing.FramingFixtures.hex;
import static io.tcpgate.framing.FramingFixtures.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;

import java.nio.ByteOrder;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

import org.junit.jupiter.api.Test;

/** Factories, getters, reply encoding and the small enums of the framing package. */
class FramingSpecTest {

  private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;
  private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

  @Test
  void linesReplies() {
    assertThat(hex(FramingSpec.lines(10, false).encodeReply(text("hi")))).isEqualTo("68 69 0a");
    assertThat(hex(FramingSpec.lines(10, true).encodeReply(text("hi")))).isEqualTo("68 69 0d 0a");
    assertThat(hex(FramingSpec.lines(10, true).encodeReply(Buffer.buffer()))).isEqualTo("0d 0a");
  }

  @Test
  void delimiterReplies() {
    FramingSpec spec = FramingSpec.delimiter(text("\r\n\r\n").getBytes(), 10);
    assertThat(hex(spec.encodeReply(text("hi")))).isEqualTo("68 69 0d 0a 0d 0a");
    assertThat(hex(FramingSpec.delimiter(new byte[] {0}, 10).encodeReply(text("a")))).isEqualTo("61 00");
  }

  @Test
  void fixedRepliesAreWrittenAsGiven() {
    Buffer payload = text("any length at all");
    assertThat(FramingSpec.fixed(4, 10).encodeReply(payload)).isSameAs(payload);
  }

  @Test
  void lengthPrefixedReplies() {
    Buffer hello = text("hello");
    assertThat(FramingSpec.lengthPrefixed(4, BE, false, 100).encodeReply(hello))
        .isEqualTo(bytes("00 00 00 05 68 65 6c 6c 6f"));
    assertThat(FramingSpec.lengthPrefixed(4, LE, false, 100).encodeReply(hello))
        .isEqualTo(bytes("05 00 00 00 68 65 6c 6c 6f"));
    assertThat(FramingSpec.lengthPrefixed(4, BE, true, 100).encodeReply(hello))
        .isEqualTo(bytes("00 00 00 09 68 65 6c 6c 6f"));
    assertThat(FramingSpec.lengthPrefixed(2, BE, false, 100).encodeReply(hello))
        .isEqualTo(bytes("00 05 68 65 6c 6c 6f"));
    assertThat(FramingSpec.lengthPrefixed(2, LE, true, 100).encodeReply(hello))
        .isEqualTo(bytes("07 00 68 65 6c 6c 6f"));
    assertThat(FramingSpec.lengthPrefixed(1, LE, false, 100).encodeReply(hello))
        .isEqualTo(bytes("05 68 65 6c 6c 6f"));
    assertThat(FramingSpec.lengthPrefixed(1, BE, true, 100).encodeReply(hello))
        .isEqualTo(bytes("06 68 65 6c 6c 6f"));
    assertThat(FramingSpec.lengthPrefixed(2, BE, false, 100).encodeReply(Buffer.buffer()))
        .isEqualTo(bytes("00 00"));
    assertThat(hello).isEqualTo(text("hello"));
  }

  @Test
  void lengthPrefixedRepliesMustFitTheHeader() {
    FramingSpec one = FramingSpec.lengthPrefixed(1, BE, false, 100);
    assertThat(one.encodeReply(Buffer.buffer(new byte[255])).getByte(0)).isEqualTo((byte) 0xff);
    assertThatThrownBy(() -> one.encodeReply(Buffer.buffer(new byte[256])))
        .isInstanceOfSatisfying(FramingException.class,
            e -> assertThat(e.kind()).isEqualTo(FramingException.Kind.FRAME_TOO_LARGE))
        .hasMessage("reply length (256) exceeds what a 1-byte length header can carry (255)");

    FramingSpec oneIncluding = FramingSpec.lengthPrefixed(1, BE, true, 100);
    assertThat(oneIncluding.encodeReply(Buffer.buffer(new byte[254])).length()).isEqualTo(255);
    assertThatThrownBy(() -> oneIncluding.encodeReply(Buffer.buffer(new byte[255])))
        .isInstanceOf(FramingException.class)
        .hasMessage("reply length (255) exceeds what a 1-byte length header can carry (254)");

    FramingSpec two = FramingSpec.lengthPrefixed(2, LE, false, 100);
    assertThat(two.encodeReply(Buffer.buffer(new byte[65_535])).getBuffer(0, 2)).isEqualTo(bytes("ff ff"));
    assertThatThrownBy(() -> two.encodeReply(Buffer.buffer(new byte[65_536])))
        .isInstanceOf(FramingException.class)
        .extracting(e -> ((FramingException) e).kind()).isEqualTo(FramingException.Kind.FRAME_TOO_LARGE);
  }

  @Test
  void repliesAreIgnoringMaxFrameBytes() {
    assertThat(FramingSpec.lines(2, false).encodeReply(text("longer")).length()).isEqualTo(7);
    assertThat(FramingSpec.lengthPrefixed(2, BE, false, 2).encodeReply(text("longer")).length()).isEqualTo(8);
  }

  @Test
  void factoriesValidate() {
    assertIae(() -> FramingSpec.lines(0, false), "maxFrameBytes must be > 0");
    assertIae(() -> FramingSpec.delimiter(new byte[0], 10), "delimiter must not be empty");
    assertIae(() -> FramingSpec.delimiter(null, 10), "delimiter must not be empty");
    assertIae(() -> FramingSpec.delimiter(new byte[] {1}, -1), "maxFrameBytes must be > 0");
    assertIae(() -> FramingSpec.fixed(0, 10), "frameBytes must be > 0");
    assertIae(() -> FramingSpec.fixed(11, 10), "frameBytes (11) must be <= maxFrameBytes (10)");
    assertIae(() -> FramingSpec.fixed(1, 0), "maxFrameBytes must be > 0");
    assertIae(() -> FramingSpec.lengthPrefixed(3, BE, false, 10), "headerBytes must be 1, 2 or 4 (got 3)");
    assertIae(() -> FramingSpec.lengthPrefixed(2, null, false, 10), "byte order must not be null");
    assertIae(() -> FramingSpec.lengthPrefixed(2, BE, false, 0), "maxFrameBytes must be > 0");
  }

  @Test
  void eachKindHasItsOwnSettingsOnly() {
    LinesFraming lines = FramingSpec.lines(10, true);
    assertThat(lines.kind()).isEqualTo(FramingKind.LINES);
    assertThat(lines.maxFrameBytes()).isEqualTo(10);
    assertThat(lines.crlfReplies()).isTrue();

    byte[] delimiterBytes = {'|', '|'};
    DelimiterFraming delimiter = FramingSpec.delimiter(delimiterBytes, 20);
    delimiterBytes[0] = 'x';
    assertThat(delimiter.kind()).isEqualTo(FramingKind.DELIMITER);
    assertThat(delimiter.maxFrameBytes()).isEqualTo(20);
    assertThat(delimiter.delimiter()).containsExactly('|', '|');
    delimiter.delimiter()[1] = 'y';
    assertThat(delimiter.delimiter()).containsExactly('|', '|');

    FixedFraming fixed = FramingSpec.fixed(4, 8);
    assertThat(fixed.kind()).isEqualTo(FramingKind.FIXED);
    assertThat(fixed.frameBytes()).isEqualTo(4);
    assertThat(fixed.maxFrameBytes()).isEqualTo(8);

    LengthPrefixedFraming lp = FramingSpec.lengthPrefixed(2, LE, true, 30);
    assertThat(lp.kind()).isEqualTo(FramingKind.LENGTH_PREFIXED);
    assertThat(lp.headerBytes()).isEqualTo(2);
    assertThat(lp.byteOrder()).isEqualTo(LE);
    assertThat(lp.lengthIncludesHeader()).isTrue();
    assertThat(lp.maxFrameBytes()).isEqualTo(30);
  }

  @Test
  void theRecordConstructorsValidateLikeTheFactories() {
    assertIae(() -> new LinesFraming(0, false), "maxFrameBytes must be > 0");
    assertIae(() -> new DelimiterFraming(new byte[0], 10), "delimiter must not be empty");
    assertIae(() -> new FixedFraming(11, 10), "frameBytes (11) must be <= maxFrameBytes (10)");
    assertIae(() -> new LengthPrefixedFraming(3, BE, false, 10), "headerBytes must be 1, 2 or 4 (got 3)");
    assertThat(new FixedFraming(4, 8)).isEqualTo(FramingSpec.fixed(4, 8));
  }

  @Test
  void valueSemanticsAndToString() {
    assertThat(FramingSpec.delimiter(new byte[] {1, 2}, 5)).isEqualTo(FramingSpec.delimiter(new byte[] {1, 2}, 5))
        .hasSameHashCodeAs(FramingSpec.delimiter(new byte[] {1, 2}, 5))
        .isNotEqualTo(FramingSpec.delimiter(new byte[] {1, 3}, 5))
        .isNotEqualTo(FramingSpec.delimiter(new byte[] {1, 2}, 6));
    assertThat(FramingSpec.lines(5, true)).isNotEqualTo(FramingSpec.lines(5, false))
        .isEqualTo(FramingSpec.lines(5, true)).hasSameHashCodeAs(FramingSpec.lines(5, true));
    assertThat(FramingSpec.fixed(2, 5)).isEqualTo(FramingSpec.fixed(2, 5)).isNotEqualTo(FramingSpec.fixed(3, 5));
    assertThat(FramingSpec.lengthPrefixed(2, BE, true, 5)).isEqualTo(FramingSpec.lengthPrefixed(2, BE, true, 5))
        .hasSameHashCodeAs(FramingSpec.lengthPrefixed(2, BE, true, 5))
        .isNotEqualTo(FramingSpec.lengthPrefixed(2, LE, true, 5));
    assertThat((FramingSpec) FramingSpec.lines(5, false)).isNotEqualTo(FramingSpec.delimiter(new byte[] {'\n'}, 5));
    assertThat(FramingSpec.lines(5, true).toString())
        .isEqualTo("FramingSpec{lines, crlfReplies=true, maxFrameBytes=5}");
    assertThat(FramingSpec.fixed(2, 5).toString()).isEqualTo("FramingSpec{fixed, frameBytes=2, maxFrameBytes=5}");
    assertThat(FramingSpec.lengthPrefixed(4, BE, false, 65_536).toString()).isEqualTo(
        "FramingSpec{length-prefixed, headerBytes=4, byteOrder=BIG_ENDIAN, lengthIncludesHeader=false,"
            + " maxFrameBytes=65536}");
    assertThat(FramingSpec.delimiter(new byte[] {0x0d, 0x0a}, 5).toString())
        .isEqualTo("FramingSpec{delimiter, delimiter=0d0a, maxFrameBytes=5}");
  }

  @Test
  void framingKindConfigNames() {
    assertThat(FramingKind.LINES.configName()).isEqualTo("lines");
    assertThat(FramingKind.DELIMITER.configName()).isEqualTo("delimiter");
    assertThat(FramingKind.FIXED.configName()).isEqualTo("fixed");
    assertThat(FramingKind.LENGTH_PREFIXED.configName()).isEqualTo("length-prefixed");
  }

  @Test
  void framingExceptionCodes() {
    assertThat(FramingException.Kind.FRAME_TOO_LARGE.code()).isEqualTo("frame-too-large");
    assertThat(FramingException.Kind.BAD_FRAME.code()).isEqualTo("bad-frame");
    FramingException error = new FramingException(FramingException.Kind.BAD_FRAME, "nope");
    assertThat(error.kind()).isEqualTo(FramingException.Kind.BAD_FRAME);
    assertThat(error.kind().code()).isEqualTo("bad-frame");
    assertThat(error).hasMessage("nope").isInstanceOf(RuntimeException.class);
  }

  @Test
  void newFramerGivesIndependentFramers() {
    FramingSpec spec = FramingSpec.lines(10, false);
    FramingFixtures.Recorder first = new FramingFixtures.Recorder();
    FramingFixtures.Recorder second = new FramingFixtures.Recorder();
    Framer a = first.attach(spec);
    Framer b = second.attach(spec);
    a.handle(text("one"));
    b.handle(text("two\n"));
    a.handle(text("\n"));
    assertThat(first.texts()).containsExactly("one");
    assertThat(second.texts()).containsExactly("two");
  }

  private static void assertIae(ThrowingCallable call, String message) {
    assertThatThrownBy(call).isExactlyInstanceOf(IllegalArgumentException.class).hasMessage(message);
  }
}
