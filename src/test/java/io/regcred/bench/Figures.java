package io.regcred.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What one run measured: named figures for the JSON file (a figure not measured is absent, never
 * guessed) and the lines of the table printed on stdout.
 */
final class Figures {

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final Map<String, Object> values = new LinkedHashMap<>();
  private final List<String> lines = new ArrayList<>();
  private final String prefix;

  Figures(int namespaces) {
    this.prefix = String.format("scale N=%d: ", namespaces);
  }

  /** A figure for the JSON only. */
  Figures put(String key, Object value) {
    values.put(key, value);
    return this;
  }

  /** A line of the table. */
  Figures line(String format, Object... args) {
    lines.add(prefix + String.format(Locale.ROOT, format, args));
    return this;
  }

  /** Lines of the table, as they are. */
  Figures lines(List<String> more) {
    more.forEach(l -> lines.add(prefix + l));
    return this;
  }

  /** The operator's time against the baseline's, in the JSON as {@code <key>} and in the table. */
  Figures ratio(String key, String what, long operatorMs, long baselineMs) {
    double ratio = (double) operatorMs / baselineMs;
    values.put(key, Math.round(ratio * 100) / 100.0);
    return line(
        "%-34s operator %6d ms   baseline %6d ms   ratio %.2f",
        what, operatorMs, baselineMs, ratio);
  }

  Map<String, Object> values() {
    return values;
  }

  List<String> lines() {
    return lines;
  }

  void print() {
    lines.forEach(System.out::println);
  }

  void writeJson(Path file) throws IOException {
    Files.createDirectories(file.getParent());
    JSON.writeValue(file.toFile(), values);
  }
}
