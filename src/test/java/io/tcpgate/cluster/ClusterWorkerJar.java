package io.tcpgate.cluster;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Packs {@link ClusterTestWorker} (compiled by Maven with the test sources) into a jar of its own, so a worker node
 * runs {@code -cp tcpgate.jar:cluster-test-worker.jar} exactly like a user's worker jar, without the rest of the test
 * classes or their dependencies.
 */
final class ClusterWorkerJar {

  private ClusterWorkerJar() {
  }

  static Path build(Path dir) throws IOException {
    Path classFile;
    try {
      classFile = Path.of(ClusterTestWorker.class.getResource(ClusterTestWorker.class.getSimpleName() + ".class")
        .toURI());
    } catch (URISyntaxException e) {
      throw new IOException(e);
    }
    Path packageDir = classFile.getParent();
    String packagePath = ClusterTestWorker.class.getPackageName().replace('.', '/');
    List<Path> classes;
    try (Stream<Path> files = Files.list(packageDir)) {
      classes = files.filter(p -> p.getFileName().toString().startsWith(ClusterTestWorker.class.getSimpleName()))
        .filter(p -> p.getFileName().toString().endsWith(".class")).sorted().collect(Collectors.toList());
    }
    Path jar = dir.resolve("cluster-test-worker.jar");
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    try (OutputStream out = Files.newOutputStream(jar); JarOutputStream jarOut = new JarOutputStream(out, manifest)) {
      for (Path file : classes) {
        jarOut.putNextEntry(new JarEntry(packagePath + "/" + file.getFileName()));
        Files.copy(file, jarOut);
        jarOut.closeEntry();
      }
    }
    return jar;
  }
}
