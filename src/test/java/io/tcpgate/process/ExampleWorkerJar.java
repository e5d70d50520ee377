package io.tcpgate.process;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Builds {@code examples/uppercase-worker} the way a user's build would, without a separate Maven run: compiles its
 * sources for Java 17 against nothing but {@code tcpgate.jar} (which carries Vert.x and SLF4J, the example's
 * "provided" dependencies) and packs the classes into a jar.
 */
final class ExampleWorkerJar {

  /** The example module, relative to the project directory. */
  static final String MODULE = "examples/uppercase-worker";

  private ExampleWorkerJar() {
  }

  /** Compiles the example into {@code workDir} and returns the path of {@code uppercase-worker.jar}. */
  static Path build(Path workDir) throws IOException {
    Path sources = GatewayProcess.basedir().resolve(MODULE).resolve("src/main/java");
    List<Path> files;
    try (Stream<Path> walk = Files.walk(sources)) {
      files = walk.filter(p -> p.toString().endsWith(".java")).sorted().collect(Collectors.toList());
    }
    assertThat(files).as("example sources under %s", sources).isNotEmpty();

    Path classes = Files.createDirectories(workDir.resolve("classes"));
    JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
    assertThat(compiler).as("a JDK (not a JRE) runs the tests").isNotNull();
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    boolean compiled;
    try (StandardJavaFileManager fileManager = compiler.getStandardFileManager(diagnostics, Locale.ROOT,
      StandardCharsets.UTF_8)) {
      List<String> options = List.of("--release", "17", "-proc:none", "-encoding", "UTF-8",
        "-classpath", GatewayProcess.tcpgateJar().toString(), "-d", classes.toString());
      compiled = compiler.getTask(null, fileManager, diagnostics, options, null,
        fileManager.getJavaFileObjectsFromPaths(files)).call();
    }
    assertThat(compiled).as("javac of %s:%n%s", MODULE, diagnostics.getDiagnostics().stream()
      .map(ExampleWorkerJar::describe).collect(Collectors.joining("\n"))).isTrue();

    Path jar = workDir.resolve("uppercase-worker.jar");
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    try (OutputStream out = Files.newOutputStream(jar); JarOutputStream jarOut = new JarOutputStream(out, manifest);
         Stream<Path> walk = Files.walk(classes)) {
      for (Path file : walk.filter(Files::isRegularFile).sorted().collect(Collectors.toList())) {
        String name = classes.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
        jarOut.putNextEntry(new JarEntry(name));
        Files.copy(file, jarOut);
        jarOut.closeEntry();
      }
    }
    return jar;
  }

  private static String describe(Diagnostic<? extends JavaFileObject> d) {
    return d.getKind() + " " + (d.getSource() == null ? "" : d.getSource().getName() + ":" + d.getLineNumber() + " ")
      + d.getMessage(Locale.ROOT);
  }
}
