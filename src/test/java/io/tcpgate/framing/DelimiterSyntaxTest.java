package io.tcpgate.framing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Escape and hex notations for configured delimiters. */
class DelimiterSyntaxTest {

  @Test
  void textEscapes() {
    assertThat(DelimiterSyntax.parseText("\\r\\n")).containsExactly('\r', '\n');
    assertThat(DelimiterSyntax.parseText("\\t\\0\\\\")).containsExactly('\t', 0, '\\');
    assertThat(DelimiterSyntax.parseText("\\x00\\xfF\\x7e")).containsExactly(0x00, 0xff, 0x7e);
    assertThat(DelimiterSyntax.parseText("END\\n")).containsExactly('E', 'N', 'D', '\n');
    assertThat(DelimiterSyntax.parseText("||")).containsExactly('|', '|');
  }

  @Test
  void textOtherCharactersAreUtf8() {
    assertThat(DelimiterSyntax.parseText("\u00e9\\n")).containsExactly(0xc3, 0xa9, '\n');
    assertThat(DelimiterSyntax.parseText("\uD83D\uDE00")).containsExactly(0xf0, 0x9f, 0x98, 0x80);
  }

  @Test
  void textRejectsBadEscapes() {
    assertThatThrownBy(() -> DelimiterSyntax.parseText("ab\\q"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown escape '\\q' at index 2 in delimiter text (valid: \\n \\r \\t \\0 \\\\ \\xHH)");
    assertThatThrownBy(() -> DelimiterSyntax.parseText("abc\\"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("incomplete escape '\\' at index 3 in delimiter text");
    assertThatThrownBy(() -> DelimiterSyntax.parseText("\\x4"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("bad escape at index 0 in delimiter text: \\x must be followed by two hex digits");
    assertThatThrownBy(() -> DelimiterSyntax.parseText("a\\xg0"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at index 1");
    assertThatThrownBy(() -> DelimiterSyntax.parseText("\\N"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'\\N' at index 0");
  }

  @Test
  void textMustNotBeEmpty() {
    assertThatThrownBy(() -> DelimiterSyntax.parseText(""))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("delimiter text must not be empty");
    assertThatThrownBy(() -> DelimiterSyntax.parseText(null))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("delimiter text must not be empty");
  }

  @Test
  void hexNotations() {
    assertThat(DelimiterSyntax.parseHex("0d0a")).containsExactly('\r', '\n');
    assertThat(DelimiterSyntax.parseHex("0D 0A")).containsExactly('\r', '\n');
    assertThat(DelimiterSyntax.parseHex("0x0d0a")).containsExactly('\r', '\n');
    assertThat(DelimiterSyntax.parseHex("0X0D 0x0A")).containsExactly('\r', '\n');
    assertThat(DelimiterSyntax.parseHex("  00\tFF  ")).containsExactly(0x00, 0xff);
    assertThat(DelimiterSyntax.parseHex("0 0")).containsExactly(0x00);
  }

  @Test
  void hexRejectsBadInput() {
    assertThatThrownBy(() -> DelimiterSyntax.parseHex("0d0"))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("odd number of hex digits (3) in delimiter hex");
    assertThatThrownBy(() -> DelimiterSyntax.parseHex("0d0g"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("invalid hex digit 'g' at index 3 in delimiter hex");
    assertThatThrownBy(() -> DelimiterSyntax.parseHex("0d,0a"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("',' at index 2");
    assertThatThrownBy(() -> DelimiterSyntax.parseHex("0d0x0a"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'x' at index 3");
    assertThatThrownBy(() -> DelimiterSyntax.parseHex("\u0663\u0663"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("index 0");
  }

  @Test
  void hexMustNotBeEmpty() {
    for (String empty : new String[] {"", "   ", "0x", null}) {
      assertThatThrownBy(() -> DelimiterSyntax.parseHex(empty))
          .isInstanceOf(IllegalArgumentException.class).hasMessage("delimiter hex must not be empty");
    }
  }
}
