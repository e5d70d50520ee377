package io.tcpgate.framing;

/**
 * The ways a listener can cut its byte stream into frames.
 *
 * <p>Each kind has a configuration name ({@link #configName()}), the only spelling accepted in configuration.
 * <ul>
 *   <li>{@link #LINES} ({@code "lines"}): LF-terminated, a single trailing CR is stripped.</li>
 *   <li>{@link #DELIMITER} ({@code "delimiter"}): terminated by an arbitrary byte sequence.</li>
 *   <li>{@link #FIXED} ({@code "fixed"}): every frame has the same size.</li>
 *   <li>{@link #LENGTH_PREFIXED} ({@code "length-prefixed"}): an unsigned 1, 2 or 4 byte length header.</li>
 * </ul>
 */
public enum FramingKind {
  /** LF-terminated lines; a trailing CR is stripped. */
  LINES("lines"),
  /** Frames terminated by a configured byte sequence. */
  DELIMITER("delimiter"),
  /** Frames of a fixed size. */
  FIXED("fixed"),
  /** Frames preceded by an unsigned length header. */
  LENGTH_PREFIXED("length-prefixed");

  private final String configName;

  FramingKind(String configName) {
    this.configName = configName;
  }

  /**
   * Returns the name used in configuration.
   *
   * @return e.g. {@code "length-prefixed"}
   */
  public String configName() {
    return configName;
  }
}
