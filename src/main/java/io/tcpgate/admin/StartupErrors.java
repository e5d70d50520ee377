package io.tcpgate.admin;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.LoggingEvent;
import io.tcpgate.config.LogFormat;

import java.io.PrintStream;
import java.util.Map;

/**
 * Prints the errors that end the process before or during startup (invalid command line, configuration or
 * {@code LOG_FORMAT}, bind failure) on stderr in the effective log format: {@code tcpgate: <message>} in the plain
 * format, one ECS JSON line ({@link EcsJsonEncoder}, {@code log.level} ERROR, {@code log.logger} io.tcpgate.Main,
 * {@code message} without the {@code tcpgate: } prefix) in the JSON format, so a log pipeline that reads JSON sees
 * why the gateway did not start. The format is {@code LOG_FORMAT} when set, else the configuration's
 * {@code logging.format} once {@link #configured} has been told, else plain; an invalid {@code LOG_FORMAT} means
 * plain.
 */
public final class StartupErrors {

  /** {@code log.logger} of the JSON lines: the class that prints them. */
  static final String LOGGER = "io.tcpgate.Main";

  private static volatile LogFormat configured;

  private StartupErrors() {
  }

  /** Records the configuration's {@code logging.format}, which applies unless {@code LOG_FORMAT} is set. */
  public static void configured(LogFormat format) {
    configured = format;
  }

  /** Prints {@code message} (which may span lines, e.g. a usage text) on stderr in the effective format. */
  public static void print(String message) {
    print(System.err, effectiveFormat(), message);
  }

  static void print(PrintStream err, LogFormat format, String message) {
    if (format == LogFormat.JSON) {
      byte[] line = json(message, System.currentTimeMillis(), Thread.currentThread().getName());
      err.write(line, 0, line.length);
      err.flush();
    } else {
      err.println("tcpgate: " + message);
    }
  }

  static LogFormat effectiveFormat() {
    try {
      return LogSetup.effective(configured);
    } catch (IllegalArgumentException e) {
      return LogFormat.PLAIN;
    }
  }

  /** One ECS line, newline included, as logback would write an ERROR of {@value #LOGGER}. */
  static byte[] json(String message, long epochMillis, String threadName) {
    LoggingEvent event = new LoggingEvent();
    event.setTimeStamp(epochMillis);
    event.setLevel(Level.ERROR);
    event.setLoggerName(LOGGER);
    event.setThreadName(threadName);
    event.setMessage(message);
    event.setMDCPropertyMap(Map.of());
    return new EcsJsonEncoder().encode(event);
  }
}
