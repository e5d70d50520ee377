package io.tcpgate.admin;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
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

  /** The format from the environment, or {@code null}; fails on a value that is not a format. */
  public static LogFormat fromEnvironment() {
    String value = System.getenv(ENV);
    return value == null || value.isBlank() ? null : LogFormat.fromConfigName(value.trim());
  }

  /** Switches logback to {@code configured} unless the environment already chose. */
  public static void apply(LogFormat configured) {
    LogFormat fromEnvironment = fromEnvironment();
    LogFormat effective = fromEnvironment != null ? fromEnvironment : configured;
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
      System.err.println("tcpgate: could not switch the log format: " + e.getMessage());
    }
  }
}
