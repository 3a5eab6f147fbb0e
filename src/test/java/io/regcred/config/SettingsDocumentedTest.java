package io.regcred.config;

import static org.assertj.core.api.Assertions.assertThat;

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

  private static final Pattern ROW =
      Pattern.compile("(?m)^\\| `(REGCRED_\\w+)` \\| (.+?) \\| (.+) \\|$");

  /** A string literal that is nothing but a variable name: what reading one takes. */
  private static final Pattern VARIABLE_LITERAL = Pattern.compile("\"REGCRED_[A-Z0-9_]+\"");

  @Test
  void theReadmeTableListsEverySettingWithItsDefaultAndMeaningAndNothingElse() throws IOException {
    String readme = Files.readString(Path.of("README.md"));
    int start = readme.indexOf("| variable | default | meaning |");
    assertThat(start).as("the README has the table of settings").isNotNegative();
    String table = readme.substring(start, readme.indexOf("\n\n", start));
    var rows = ROW.matcher(table).results().toList();

    assertThat(rows.stream().map(r -> r.group(1)).toList())
        .containsExactlyElementsOf(Arrays.stream(Setting.values()).map(Setting::variable).toList());
    for (var row : rows) {
      Setting setting = Setting.valueOf(row.group(1).substring("REGCRED_".length()));
      assertThat(row.group(2)).as(row.group(1)).isEqualTo(setting.defaultValue());
      assertThat(row.group(3)).as(row.group(1)).isEqualTo(setting.meaning());
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
