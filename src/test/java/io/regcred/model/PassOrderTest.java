package io.regcred.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PassOrderTest {

  @Test
  void namespacesWithoutOurSecretComeFirstEachGroupInItsOrder() {
    Set<String> served = Set.of("a", "c", "d");
    assertThat(PassOrder.unservedFirst(List.of("a", "b", "c", "d", "e"), served::contains))
        .containsExactly("b", "e", "a", "c", "d");
  }

  @Test
  void aFirstPassKeepsItsOrder() {
    assertThat(PassOrder.unservedFirst(List.of("a", "b", "c"), ns -> false))
        .containsExactly("a", "b", "c");
  }
}
