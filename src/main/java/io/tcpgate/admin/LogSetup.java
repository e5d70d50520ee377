package io.tcpgate.admin;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import io.tcpgate.config.ConfigException;
import io.tcpgate.config.ConfigNames;
import io.tcpgate.config.LogFormat;
import org.slf4j.LoggerFactory;

import java.net.URL;

/**
 * Chooses the log format: the {@code LOG_FORMAT} environment variable ({@code plain} or {@code json}) when set,
 * else the config's {@code logging.format}. {@code logback.xml} reads the choice from {@value #PROPERTY}.
 */
public final class LogSetup {

  /** Environment variable that picks the format, winning over the config. */
  public static final String ENV = "LOG_FORMAT";
  /** Logback property holding the effective format. */
  public static final String PROPERTY = "LOG_FORMAT_RESOLVED";

  private LogSetup() {
  }

  /**
   * Reads the format from the environment. The value must be a format's configuration name exactly, as in the
   * config file; unset or blank means "not chosen".
   *
   * @return the format, or {@code null} when {@value #ENV} is unset or blank
   * @throws IllegalArgumentException on any other value, naming {@value #ENV}, e.g.
   *     {@code LOG_FORMAT: must be one of plain, json (got 'JSON')}
   */
  public static LogFormat fromEnvironment() {
    return parse(System.getenv(ENV));
  }

  static LogFormat parse(String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    try {
      return ConfigNames.lookup(ENV, value, LogFormat.values(), LogFormat::configName);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /**
   * The format in effect: {@value #ENV} when set, else {@code configured}, else plain.
   *
   * @throws IllegalArgumentException when {@value #ENV} holds no format's name
   */
  public static LogFormat effective(LogFormat configured) {
    LogFormat fromEnvironment = fromEnvironment();
    if (fromEnvironment != null) {
      return fromEnvironment;
    }
    return configured != null ? configured : LogFormat.PLAIN;
  }

  /** Switches logback to {@code configured} unless the environment already chose. */
  public static void apply(LogFormat configured) {
    LogFormat fromEnvironment = fromEnvironment();
    LogFormat effective = effective(configured);
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext)) {
      return;
    }
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    if (effective.configName().equals(context.getProperty(PROPERTY))
      || (context.getProperty(PROPERTY) == null && effective == LogFormat.PLAIN && fromEnvironment == null)) {
      return;
    }
    URL config = LogSetup.class.getClassLoader().getResource("logback.xml");
    if (config == null) {
      return;
    }
    context.reset();
    context.putProperty(PROPERTY, effective.configName());
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    try {
      configurator.doConfigure(config);
    } catch (JoranException e) {
      StartupErrors.print("could not switch the log format: " + e.getMessage());
    }
  }
}
