package io.regcred.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.regcred.api.v1alpha1.Selector;
import io.regcred.api.v1alpha1.SelectorRequirement;
import io.regcred.api.v1alpha1.SelectorRequirement.Operator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SelectorMatcherTest {

  private static Selector labels(Map<String, String> matchLabels) {
    return new Selector(matchLabels, null);
  }

  private static Selector expr(String key, Operator op, String... values) {
    return new Selector(
        null,
        List.of(new SelectorRequirement(key, op, values.length == 0 ? null : List.of(values))));
  }

  @Test
  void nullSelectorMatchesNothing() {
    assertThat(SelectorMatcher.matches(null, Map.of())).isFalse();
    assertThat(SelectorMatcher.matches(null, Map.of("team", "a"))).isFalse();
  }

  @Test
  void emptySelectorMatchesEverything() {
    assertThat(SelectorMatcher.matches(new Selector(), Map.of())).isTrue();
    assertThat(SelectorMatcher.matches(new Selector(), Map.of("team", "a"))).isTrue();
    assertThat(SelectorMatcher.matches(new Selector(Map.of(), List.of()), Map.of("x", "y")))
        .isTrue();
  }

  @Test
  void matchLabelsRequiresEveryPairWithItsValue() {
    Selector s = labels(Map.of("team", "a", "env", "prod"));

    assertThat(SelectorMatcher.matches(s, Map.of("team", "a", "env", "prod"))).isTrue();
    assertThat(SelectorMatcher.matches(s, Map.of("team", "a", "env", "prod", "extra", "x")))
        .isTrue();
    assertThat(SelectorMatcher.matches(s, Map.of("team", "a"))).isFalse();
    assertThat(SelectorMatcher.matches(s, Map.of("team", "a", "env", "dev"))).isFalse();
    assertThat(SelectorMatcher.matches(s, Map.of())).isFalse();
  }

  @Test
  void inMatchesOnlyAPresentLabelWithAListedValue() {
    Selector s = expr("env", Operator.In, "prod", "staging");

    assertThat(SelectorMatcher.matches(s, Map.of("env", "prod"))).isTrue();
    assertThat(SelectorMatcher.matches(s, Map.of("env", "staging"))).isTrue();
    assertThat(SelectorMatcher.matches(s, Map.of("env", "dev"))).isFalse();
    assertThat(SelectorMatcher.matches(s, Map.of("other", "prod"))).isFalse();
  }

  @Test
  void notInMatchesAbsentLabelOrUnlistedValue() {
    Selector s = expr("env", Operator.NotIn, "prod");

    assertThat(SelectorMatcher.matches(s, Map.of("env", "dev"))).isTrue();
    assertThat(SelectorMatcher.matches(s, Map.of())).isTrue();
    assertThat(SelectorMatcher.matches(s, Map.of("env", "prod"))).isFalse();
  }

  @Test
  void existsMatchesAnyValueOfTheKey() {
    Selector s = expr("team", Operator.Exists);

    assertThat(SelectorMatcher.matches(s, Map.of("team", "a"))).isTrue();
    assertThat(SelectorMatcher.matches(s, Map.of("team", ""))).isTrue();
    assertThat(SelectorMatcher.matches(s, Map.of("env", "prod"))).isFalse();
  }

  @Test
  void doesNotExistMatchesOnlyWithoutTheKey() {
    Selector s = expr("team", Operator.DoesNotExist);

    assertThat(SelectorMatcher.matches(s, Map.of("env", "prod"))).isTrue();
    assertThat(SelectorMatcher.matches(s, Map.of())).isTrue();
    assertThat(SelectorMatcher.matches(s, Map.of("team", "a"))).isFalse();
  }

  @Test
  void labelsAndExpressionsMustAllHold() {
    Selector s =
        new Selector(
            Map.of("team", "a"),
            List.of(
                new SelectorRequirement("env", Operator.In, List.of("prod")),
                new SelectorRequirement("legacy", Operator.DoesNotExist, null)));

    assertThat(SelectorMatcher.matches(s, Map.of("team", "a", "env", "prod"))).isTrue();
    assertThat(SelectorMatcher.matches(s, Map.of("team", "b", "env", "prod"))).isFalse();
    assertThat(SelectorMatcher.matches(s, Map.of("team", "a", "env", "dev"))).isFalse();
    assertThat(SelectorMatcher.matches(s, Map.of("team", "a", "env", "prod", "legacy", "true")))
        .isFalse();
  }
}
