package io.tcpgate.config;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** Every JSON example in docs/CONFIG.md is a configuration the gateway accepts as written. */
class ConfigDocExamplesTest {

  private static final Pattern JSON_BLOCK = Pattern.compile("```json\\n(.*?)```", Pattern.DOTALL);

  @Test
  void everyJsonExampleInConfigMd_isAValidConfiguration() throws Exception {
    String doc = Files.readString(Path.of("docs/CONFIG.md"));
    Matcher blocks = JSON_BLOCK.matcher(doc);
    List<String> rejected = new ArrayList<>();
    int count = 0;
    while (blocks.find()) {
      count++;
      try {
        GatewayConfig config = GatewayConfig.fromJson(new JsonObject(blocks.group(1)));
        assertThat(config.listeners()).isNotEmpty();
      } catch (RuntimeException e) {
        rejected.add(e.getMessage() + "\n" + blocks.group(1));
      }
    }
    assertThat(count).as("```json examples in docs/CONFIG.md").isGreaterThanOrEqualTo(3);
    assertThat(rejected).as("examples the gateway rejects").isEmpty();
  }
}
