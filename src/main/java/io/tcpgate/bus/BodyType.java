package io.tcpgate.bus;

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

  /**
   * Returns the name used in configuration ({@code "body"} of a listener), the only spelling accepted there.
   *
   * @return {@code buffer}, {@code string} or {@code json}
   */
  public String configName() {
    return configName;
  }
}
