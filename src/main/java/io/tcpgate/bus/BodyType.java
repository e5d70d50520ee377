package io.tcpgate.bus;

import java.util.Locale;

/** The body type of the event-bus request that carries a frame. */
public enum BodyType {
  /** The frame's bytes as a {@link io.vertx.core.buffer.Buffer} (default). */
  BUFFER("buffer"),
  /** The frame decoded as UTF-8 into a {@link String}. */
  STRING("string"),
  /** The frame parsed as a {@link io.vertx.core.json.JsonObject}; anything else gets {@code ERR bad-json}. */
  JSON("json");

  private final String configName;

  BodyType(String configName) {
    this.configName = configName;
  }

  public String configName() {
    return configName;
  }

  public static BodyType fromConfigName(String name) {
    for (BodyType type : values()) {
      if (type.configName.equals(name.toLowerCase(Locale.ROOT))) {
        return type;
      }
    }
    throw new IllegalArgumentException("unknown body type '" + name + "' (expected buffer, string or json)");
  }
}
