package io.tcpgate.admin;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.vertx.core.Vertx;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * The JVM's and the process's meters, from Micrometer's binders: memory pools and buffers ({@code jvm_memory_*},
 * {@code jvm_buffer_*}), garbage collection ({@code jvm_gc_*}; {@code jvm_gc_pause_seconds} appears after the first
 * collection), threads ({@code jvm_threads_*}), classes ({@code jvm_classes_*}), CPU ({@code process_cpu_*},
 * {@code system_cpu_*}, {@code system_load_average_1m}), uptime ({@code process_uptime_seconds},
 * {@code process_start_time_seconds}) and file descriptors ({@code process_files_open_files},
 * {@code process_files_max_files}); plus {@code tcpgate_build_info{version,java_version,vertx_version}}, always 1, to
 * join on or to see which build each instance runs.
 *
 * <p>The garbage-collection binder registers listeners on the JVM's collector MXBeans, which outlive the registry:
 * {@link #close()} removes them. Several gateways in one JVM (the tests) each bind their own.
 */
public final class ProcessMeters implements AutoCloseable {

  /** The build-info gauge; Prometheus name {@code tcpgate_build_info}. */
  public static final String BUILD_INFO = "tcpgate.build.info";

  private final JvmGcMetrics gc;

  private ProcessMeters(JvmGcMetrics gc) {
    this.gc = gc;
  }

  /** Binds the JVM and process meters and the build info to {@code registry}. */
  public static ProcessMeters bind(MeterRegistry registry) {
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    JvmGcMetrics gc = new JvmGcMetrics();
    gc.bindTo(registry);
    Gauge.builder(BUILD_INFO, () -> 1)
      .description("The running build: tcpgate's version, the Java runtime's and Vert.x's; always 1")
      .tags(Tags.of("version", GatewayInfo.version(), "java_version", System.getProperty("java.version"),
        "vertx_version", vertxVersion()))
      .strongReference(true)
      .register(registry);
    return new ProcessMeters(gc);
  }

  /** Unregisters the garbage-collection listeners. */
  @Override
  public void close() {
    gc.close();
  }

  /**
   * The version vertx-core ships in {@code META-INF/vertx/vertx-version.txt} (what {@code Vertx}'s own version
   * lookup reads; the fat jar's manifest carries tcpgate's version, not Vert.x's), or {@code "unknown"}.
   */
  public static String vertxVersion() {
    try (InputStream in = Vertx.class.getClassLoader().getResourceAsStream("META-INF/vertx/vertx-version.txt")) {
      if (in == null) {
        return "unknown";
      }
      String version = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
      return version.isEmpty() ? "unknown" : version;
    } catch (IOException e) {
      return "unknown";
    }
  }
}
