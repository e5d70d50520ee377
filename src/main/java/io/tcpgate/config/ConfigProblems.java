package io.tcpgate.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;
import java.util.function.Supplier;

/**
 * Collects the problems of one configuration so that all of them are reported in one run: every unknown key, and
 * the first problem of each section (each listener, each worker, {@code shutdown}, {@code admin}, ...), since a
 * section's later values may make no sense once one of them is wrong. Confined to the thread validating.
 */
final class ConfigProblems {

  private static final ThreadLocal<List<ConfigException>> COLLECTED = new ThreadLocal<>();

  private ConfigProblems() {
  }

  /**
   * Runs {@code validation} collecting problems.
   *
   * @throws ConfigException with every problem found, one per line, the first one's key path first
   */
  static <T> T collecting(Supplier<T> validation) {
    if (COLLECTED.get() != null) {
      return validation.get();
    }
    List<ConfigException> problems = new ArrayList<>();
    COLLECTED.set(problems);
    T result;
    try {
      result = section(validation, null);
    } finally {
      COLLECTED.remove();
    }
    if (problems.isEmpty()) {
      return result;
    }
    Map<String, ConfigException> distinct = new LinkedHashMap<>();
    problems.forEach(problem -> distinct.putIfAbsent(problem.getMessage(), problem));
    throw ConfigException.all(List.copyOf(distinct.values()));
  }

  /**
   * Parses one section: its first problem is collected and {@code fallback} returned (outside
   * {@link #collecting}, the problem is thrown).
   */
  static <T> T section(Supplier<T> parse, T fallback) {
    List<ConfigException> problems = COLLECTED.get();
    if (problems == null) {
      return parse.get();
    }
    try {
      return parse.get();
    } catch (ConfigException e) {
      problems.add(e);
      return fallback;
    }
  }

  /** A problem that does not stop the section (an unknown key): collected, or thrown outside {@link #collecting}. */
  static void report(ConfigException problem) {
    List<ConfigException> problems = COLLECTED.get();
    if (problems == null) {
      throw problem;
    }
    problems.add(problem);
  }

  /** Whether problems were collected so far (later cross-section checks are skipped then). */
  static boolean any() {
    List<ConfigException> problems = COLLECTED.get();
    return problems != null && !problems.isEmpty();
  }
}
