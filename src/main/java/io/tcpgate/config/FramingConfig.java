package io.tcpgate.config;

import io.tcpgate.framing.DelimiterSyntax;
import io.tcpgate.framing.FramingKind;
import io.tcpgate.framing.FramingSpec;
import io.vertx.core.json.JsonObject;

import java.nio.ByteOrder;
import java.util.Set;

/** Reads a listener's {@code framing} block into a {@link FramingSpec}. */
final class FramingConfig {

  static final Set<String> KEYS = Set.of("kind", "maxFrameBytes", "crlf", "delimiter", "delimiterHex", "frameBytes",
    "headerBytes", "byteOrder", "lengthIncludesHeader");
  private static final ByteOrder[] BYTE_ORDERS = {ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN};

  private FramingConfig() {
  }

  static FramingSpec fromJson(JsonObject json, String path, int defaultMaxFrameBytes) {
    JsonFields f = new JsonFields(json, path, KEYS);
    FramingKind kind = f.choice("kind", FramingKind.LINES, FramingKind.values(), FramingKind::configName);
    int max = f.intValue("maxFrameBytes", defaultMaxFrameBytes, 1, Integer.MAX_VALUE - 8);
    only(f, kind, FramingKind.LINES, "crlf");
    only(f, kind, FramingKind.DELIMITER, "delimiter", "delimiterHex");
    only(f, kind, FramingKind.FIXED, "frameBytes");
    only(f, kind, FramingKind.LENGTH_PREFIXED, "headerBytes", "byteOrder", "lengthIncludesHeader");
    switch (kind) {
      case LINES:
        return FramingSpec.lines(max, f.bool("crlf", false));
      case DELIMITER:
        return FramingSpec.delimiter(delimiter(f), max);
      case FIXED: {
        int frameBytes = f.intValue("frameBytes", -1, 1, Integer.MAX_VALUE);
        if (frameBytes < 0) {
          throw new ConfigException(f.child("frameBytes"), "is required for kind fixed");
        }
        try {
          return FramingSpec.fixed(frameBytes, max);
        } catch (IllegalArgumentException e) {
          throw new ConfigException(f.child("frameBytes"), e.getMessage());
        }
      }
      case LENGTH_PREFIXED: {
        int headerBytes = f.intValue("headerBytes", 4, 1, 4);
        if (headerBytes == 3) {
          throw new ConfigException(f.child("headerBytes"), "must be 1, 2 or 4 (got 3)");
        }
        ByteOrder order = f.choice("byteOrder", ByteOrder.BIG_ENDIAN, BYTE_ORDERS,
          o -> o == ByteOrder.BIG_ENDIAN ? "big" : "little");
        return FramingSpec.lengthPrefixed(headerBytes, order, f.bool("lengthIncludesHeader", false), max);
      }
      default:
        throw new ConfigException(f.child("kind"), "unsupported kind " + kind);
    }
  }

  private static byte[] delimiter(JsonFields f) {
    boolean text = f.has("delimiter");
    boolean hex = f.has("delimiterHex");
    if (text == hex) {
      throw new ConfigException(f.child("delimiter"), "give exactly one of \"delimiter\" (text with escapes such as"
        + " \\r\\n or \\x00) or \"delimiterHex\" (e.g. \"0d0a\")");
    }
    try {
      return text ? DelimiterSyntax.parseText(f.string("delimiter", null))
        : DelimiterSyntax.parseHex(f.string("delimiterHex", null));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(f.child(text ? "delimiter" : "delimiterHex"), e.getMessage());
    }
  }

  private static void only(JsonFields f, FramingKind actual, FramingKind owner, String... keys) {
    if (actual == owner) {
      return;
    }
    for (String key : keys) {
      if (f.has(key)) {
        throw new ConfigException(f.child(key), "applies to kind " + owner.configName() + " only (this framing is "
          + actual.configName() + ")");
      }
    }
  }
}
