package io.regcred.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.regcred.ReadmeTables;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The README's table of reasons is the enum: every reason with its meaning, and no other. */
class ReasonsDocumentedTest {

  @Test
  void everyReasonIsInTheReadmeTableWithItsMeaningAndNothingElseIs() throws Exception {
    var rows = ReadmeTables.rows("| reason | where | meaning |");

    assertThat(rows.stream().map(ReadmeTables::name).toList())
        .containsExactlyElementsOf(Arrays.stream(Reason.values()).map(Reason::name).toList());
    for (var row : rows) {
      assertThat(row.get(2)).isEqualTo(Reason.valueOf(ReadmeTables.name(row)).meaning());
    }
  }
}
