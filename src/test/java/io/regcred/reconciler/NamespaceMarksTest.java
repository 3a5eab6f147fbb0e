package io.regcred.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NamespaceMarksTest {

  final NamespaceMarks marks = new NamespaceMarks(id -> true);
  final NamespaceMarks.Marking<ServiceAccount> marking =
      marks.marking(sa -> Set.of(new ResourceID("c")), sa -> sa.getMetadata().getNamespace());

  void event(String namespace) {
    marking
        .onAdd()
        .accept(
            new ServiceAccountBuilder()
                .withNewMetadata()
                .withName("default")
                .withNamespace(namespace)
                .endMetadata()
                .build());
  }

  @Test
  void aPassTakesTheMarksItWantsAndLeavesTheOthersForTheNextPass() {
    event("a");
    event("b");
    assertThat(marks.take("c", "a"::equals)).containsExactly("a");
    assertThat(marks.take("c")).containsExactly("b");
    assertThat(marks.take("c")).isEmpty();
  }

  @Test
  void aMarkIsJudgedOnceUntilItIsMarkedAgainOrPutForward() {
    event("a");
    event("b");
    List<String> judged = new ArrayList<>();
    marks.take("c", ns -> judged.add(ns) && false);
    marks.take("c", ns -> judged.add(ns) && false);
    assertThat(judged).as("each mark judged once").containsExactlyInAnyOrder("a", "b");

    judged.clear();
    event("b");
    marks.judgeAgain("c", "a");
    marks.judgeAgain("c", "z"); // not marked: nothing to judge
    assertThat(marks.take("c", ns -> judged.add(ns))).containsExactlyInAnyOrder("a", "b");
    assertThat(judged).containsExactlyInAnyOrder("a", "b");
    assertThat(marks.take("c")).isEmpty();
  }
}
