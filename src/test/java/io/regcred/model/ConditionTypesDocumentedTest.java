package io.regcred.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.regcred.ReadmeTables;
import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import java.util.Arrays;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The README's table of conditions is the enum: every condition with its meaning, no other. */
class ConditionTypesDocumentedTest {

  @Test
  void everyConditionIsInTheReadmeTableWithItsMeaningAndNothingElseIs() throws Exception {
    var rows = ReadmeTables.rows("| condition | True when |");

    assertThat(rows.stream().map(ReadmeTables::name).toList())
        .containsExactlyElementsOf(
            Arrays.stream(ConditionType.values()).map(ConditionType::name).toList());
    for (var row : rows) {
      assertThat(row.get(1)).isEqualTo(ConditionType.valueOf(ReadmeTables.name(row)).meaning());
    }
  }

  /** Annotations take only constants, so the printer column names its condition as text. */
  @Test
  void theConditionColumnsOfKubectlGetShowConditionsTheOperatorWrites() {
    var conditions =
        Arrays.stream(
                ClusterRegistryCredential.class.getAnnotationsByType(AdditionalPrinterColumn.class))
            .flatMap(c -> CONDITION_PATH.matcher(c.jsonPath()).results())
            .map(m -> m.group(1))
            .toList();

    assertThat(conditions)
        .containsExactly(ConditionType.Ready.name(), ConditionType.Verified.name());
  }

  private static final Pattern CONDITION_PATH =
      Pattern.compile("\\.status\\.conditions\\[\\?\\(@\\.type==\"(\\w+)\"\\)]");
}
