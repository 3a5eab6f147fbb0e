package io.regcred.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The README's table of reasons is the enum: every reason with its meaning, and no other. */
class ReasonsDocumentedTest {

  private static final Pattern ROW = Pattern.compile("(?m)^\\| `(\\w+)` \\| [^|]+ \\| (.+) \\|$");

  @Test
  void everyReasonIsInTheReadmeTableWithItsMeaningAndNothingElseIs() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    int start = readme.indexOf("| reason | where | meaning |");
    assertThat(start).as("the README has the table of reasons").isNotNegative();
    String table = readme.substring(start, readme.indexOf("\n\n", start));
    var rows = ROW.matcher(table).results().toList();

    assertThat(rows.stream().map(r -> r.group(1)).toList())
        .containsExactlyElementsOf(Arrays.stream(Reason.values()).map(Reason::name).toList());
    for (var row : rows) {
      assertThat(row.group(2)).isEqualTo(Reason.valueOf(row.group(1)).meaning());
    }
  }
}
