package io.regcred.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.regcred.ReadmeTables;
import io.regcred.config.OperatorConfig.Setting;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The README's table of settings is {@link Setting}: every variable with its default and meaning,
 * and no other; and {@link OperatorConfig} is the only code that names a variable to read it.
 */
class SettingsDocumentedTest {

  /** A string literal that is nothing but a variable name: what reading one takes. */
  private static final Pattern VARIABLE_LITERAL = Pattern.compile("\"REGCRED_[A-Z0-9_]+\"");

  @Test
  void theReadmeTableListsEverySettingWithItsDefaultAndMeaningAndNothingElse() throws IOException {
    var rows = ReadmeTables.rows("| variable | default | meaning |");

    assertThat(rows.stream().map(ReadmeTables::name).toList())
        .containsExactlyElementsOf(Arrays.stream(Setting.values()).map(Setting::variable).toList());
    for (var row : rows) {
      Setting setting = Setting.valueOf(ReadmeTables.name(row).substring("REGCRED_".length()));
      assertThat(row.get(1)).as(row.get(0)).isEqualTo(setting.defaultValue());
      assertThat(row.get(2)).as(row.get(0)).isEqualTo(setting.meaning());
    }
  }

  @Test
  void onlyOperatorConfigReadsTheEnvironment() throws IOException {
    List<String> elsewhere = new ArrayList<>();
    try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        String source = Files.readString(file);
        if (file.endsWith(Path.of("io/regcred/config/OperatorConfig.java"))) {
          continue;
        }
        if (VARIABLE_LITERAL.matcher(source).find() || source.contains("System.getenv(")) {
          elsewhere.add(file.toString());
        }
      }
    }
    assertThat(elsewhere)
        .as("only main hands the process environment to OperatorConfig")
        .containsExactly("src/main/java/io/regcred/OperatorMain.java");
  }
}
