package io.tcpgate.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the configuration through vertx-config: the JSON file (or the default packaged in the jar), then
 * environment variables, then system properties (see {@link ConfigOverrides}), then validates it.
 */
public final class ConfigLoader {

  /** Classpath location of the default configuration, a copy of {@code conf/config.json}. */
  public static final String DEFAULT_RESOURCE = "tcpgate/config.json";

  private static final Pattern JSON_LOCATION = Pattern.compile("line: (\\d+), column: (\\d+)");

  private ConfigLoader() {
  }

  /**
   * Loads and validates the configuration.
   *
   * @param file the JSON file to read, or {@code null} for the packaged default
   * @return the validated config; fails with {@link ConfigException} when it cannot be served
   */
  public static Future<GatewayConfig> load(Vertx vertx, String file) {
    return loadJson(vertx, file).map(GatewayConfig::fromJson);
  }

  /** Loads the merged, not yet validated JSON. */
  public static Future<JsonObject> loadJson(Vertx vertx, String file) {
    ConfigStoreOptions base;
    if (file == null) {
      base = new ConfigStoreOptions().setType("json").setConfig(defaultJson());
    } else {
      if (!Files.isReadable(Path.of(file))) {
        return Future.failedFuture(new ConfigException("-conf", "cannot read config file '" + file + "'"));
      }
      base = new ConfigStoreOptions().setType("file").setFormat("json").setConfig(new JsonObject().put("path", file));
    }
    ConfigStoreOptions env = new ConfigStoreOptions().setType("env").setConfig(new JsonObject().put("raw-data", true));
    ConfigStoreOptions sys = new ConfigStoreOptions().setType("sys").setConfig(new JsonObject().put("cache", false));
    Future<JsonObject> fileJson = read(vertx, base)
      .recover(err -> Future.failedFuture(new ConfigException("-conf", "cannot parse config file '" + file + "': "
        + rootMessage(err))));
    Future<JsonObject> envJson = read(vertx, env);
    Future<JsonObject> sysJson = read(vertx, sys);
    return Future.all(fileJson, envJson, sysJson)
      .map(all -> ConfigOverrides.apply(fileJson.result(), envJson.result().getMap(), sysJson.result().getMap()));
  }

  private static Future<JsonObject> read(Vertx vertx, ConfigStoreOptions store) {
    ConfigRetriever retriever = ConfigRetriever.create(vertx, new ConfigRetrieverOptions()
      .setIncludeDefaultStores(false).setScanPeriod(-1).addStore(store));
    return retriever.getConfig().andThen(ar -> retriever.close());
  }

  /** The packaged default configuration. */
  public static JsonObject defaultJson() {
    try (InputStream in = ConfigLoader.class.getClassLoader().getResourceAsStream(DEFAULT_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("the packaged default config " + DEFAULT_RESOURCE + " is missing");
      }
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (DecodeException e) {
      throw new ConfigException("(default config)", e.getMessage());
    }
  }

  /** The innermost cause's message on one line: Jackson's parse errors span two (message, then location). */
  private static String rootMessage(Throwable err) {
    Throwable t = err;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String message = String.valueOf(t.getMessage());
    Matcher location = JSON_LOCATION.matcher(message);
    String first = message.lines().findFirst().orElse(message).trim();
    return location.find() ? first + " (line " + location.group(1) + ", column " + location.group(2) + ")" : first;
  }
}
