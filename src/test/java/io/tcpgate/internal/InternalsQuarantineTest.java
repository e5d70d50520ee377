package io.tcpgate.internal;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Vert.x implementation classes are used only in io.tcpgate.internal, where VertxInternals.check() covers them. */
class InternalsQuarantineTest {

  private static final Path SOURCES = Paths.get("src/main/java");
  private static final Path QUARANTINE = Paths.get("io/tcpgate/internal");
  /** A reference to a class in a package with an {@code impl} or {@code internal} segment under io.vertx. */
  private static final Pattern IMPLEMENTATION = Pattern.compile(
    "\\bio\\.vertx\\.(?:[A-Za-z_][\\w]*\\.)*?(?:impl|internal)\\.[\\w.*]+");
  private static final Pattern BLOCK_COMMENT = Pattern.compile("/\\*.*?\\*/", Pattern.DOTALL);
  private static final Pattern LINE_COMMENT = Pattern.compile("//[^\n]*");

  @Test
  void noFileOutsideTheInternalPackage_usesAVertxImplementationClass() throws IOException {
    List<Path> files = javaFiles();
    assertThat(files).as("Java files under %s", SOURCES.toAbsolutePath()).hasSizeGreaterThan(20);

    List<String> violations = new ArrayList<>();
    for (Path file : files) {
      if (file.startsWith(SOURCES.resolve(QUARANTINE))) {
        continue;
      }
      for (String use : uses(Files.readString(file, StandardCharsets.UTF_8))) {
        violations.add(file + ": " + use);
      }
    }

    assertThat(violations).as("uses of Vert.x implementation classes outside io.tcpgate.internal (move them behind"
      + " a method there and list them in VertxInternals.REQUIRED)").isEmpty();
  }

  @Test
  void everyImplementationClassTheInternalPackageUses_isCheckedAtStartup() throws IOException {
    Set<String> used = new TreeSet<>();
    for (Path file : javaFiles()) {
      if (file.startsWith(SOURCES.resolve(QUARANTINE))) {
        for (String use : uses(Files.readString(file, StandardCharsets.UTF_8))) {
          used.add(className(use.substring(use.indexOf(": ") + 2)));
        }
      }
    }
    Set<String> checked = VertxInternals.REQUIRED.stream().map(VertxInternals.Requirement::className)
      .collect(Collectors.toCollection(TreeSet::new));

    assertThat(used).as("implementation classes used in io.tcpgate.internal").isNotEmpty();
    assertThat(checked).as("classes VertxInternals.check() verifies").containsAll(used);
  }

  @Test
  void scanner_findsImportsAndQualifiedUses_andIgnoresCommentsAndPublicPackages() {
    assertThat(uses("import io.vertx.core.buffer.impl.BufferImpl;")).hasSize(1);
    assertThat(uses("import static io.vertx.core.impl.Utils.isWindows;")).hasSize(1);
    assertThat(uses("import io.vertx.core.net.impl.*;")).hasSize(1);
    assertThat(uses("import io.vertx.core.internal.VertxInternal;")).hasSize(1);
    assertThat(uses("import io.vertx.core.internal.net.NetSocketInternal;")).hasSize(1);
    assertThat(uses("class A {\n  Object t = io.vertx.core.impl.transports.NioTransport.INSTANCE;\n}")).hasSize(1);
    assertThat(uses("class A {\n  Object b = (io.vertx.core.buffer.impl.BufferImpl) x;\n}")).hasSize(1);

    assertThat(uses("import io.vertx.core.Vertx;\nimport io.vertx.core.spi.transport.Transport;")).isEmpty();
    assertThat(uses("import io.vertx.core.implementation.Foo;\nimport io.netty.util.internal.Bar;")).isEmpty();
    assertThat(uses("// like io.vertx.core.impl.VertxImpl\n/* or io.vertx.core.internal.ContextInternal */")).isEmpty();
  }

  /** Each use of an implementation class in {@code source}, comments removed: {@code "line N: text"}. */
  static List<String> uses(String source) {
    String code = LINE_COMMENT.matcher(blankComments(source)).replaceAll("");
    List<String> found = new ArrayList<>();
    String[] lines = code.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      Matcher matcher = IMPLEMENTATION.matcher(lines[i]);
      while (matcher.find()) {
        found.add("line " + (i + 1) + ": " + matcher.group());
      }
    }
    return found;
  }

  /** Replaces block comments by as many newlines as they span, so that line numbers stay right. */
  private static String blankComments(String source) {
    Matcher matcher = BLOCK_COMMENT.matcher(source);
    StringBuilder out = new StringBuilder();
    while (matcher.find()) {
      matcher.appendReplacement(out, "\n".repeat((int) matcher.group().chars().filter(c -> c == '\n').count()));
    }
    matcher.appendTail(out);
    return out.toString();
  }

  /** The class part of a qualified reference: up to the first segment that starts with an upper-case letter. */
  private static String className(String reference) {
    StringBuilder name = new StringBuilder();
    for (String part : reference.split("\\.")) {
      if (name.length() > 0) {
        name.append('.');
      }
      name.append(part);
      if (!part.isEmpty() && Character.isUpperCase(part.charAt(0))) {
        break;
      }
    }
    return name.toString();
  }

  private static List<Path> javaFiles() throws IOException {
    assertThat(SOURCES).as("the main sources, relative to the project directory").isDirectory();
    try (Stream<Path> walk = Files.walk(SOURCES)) {
      return walk.filter(p -> p.toString().endsWith(".java")).sorted().collect(Collectors.toList());
    }
  }
}
