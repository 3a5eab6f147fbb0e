package io.regcred.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.regcred.api.v1alpha1.NamespaceTarget;
import io.regcred.api.v1alpha1.Selector;
import io.regcred.api.v1alpha1.SelectorRequirement;
import io.regcred.api.v1alpha1.SelectorRequirement.Operator;
import io.regcred.api.v1alpha1.ServiceAccountTarget;
import io.regcred.testing.Credentials;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TargetSelectionTest {

  private static final List<NamespaceView> CLUSTER =
      List.of(
          NamespaceView.active("default", Map.of()),
          NamespaceView.active("team-a", Map.of("team", "a")),
          NamespaceView.active("team-a-dev", Map.of("team", "a", "env", "dev")),
          NamespaceView.active("team-b", Map.of("team", "b")),
          new NamespaceView("team-a-old", Map.of("team", "a"), true),
          NamespaceView.active("kube-system", Map.of("team", "platform")));

  private static NamespaceTarget namespaces(
      List<String> names, Selector selector, List<String> exclude) {
    return Credentials.named("selecting")
        .namespaces(names)
        .selector(selector)
        .exclude(exclude)
        .build()
        .getSpec()
        .getTarget()
        .getNamespaces();
  }

  private static Selector matchLabels(String key, String value) {
    return new Selector(Map.of(key, value), null);
  }

  private static ServiceAccountTarget serviceAccounts(List<String> names, Selector selector) {
    return Credentials.named("selecting")
        .serviceAccounts(names)
        .serviceAccountSelector(selector)
        .build()
        .getSpec()
        .getTarget()
        .getServiceAccounts();
  }

  @Test
  void namesOnlySelectsExistingNamedNamespaces() {
    var result =
        TargetSelection.namespaces(
            namespaces(List.of("team-b", "default", "does-not-exist"), null, null),
            CLUSTER,
            Set.of());

    assertThat(result).containsExactly("default", "team-b");
  }

  @Test
  void selectorOnlySelectsMatchingNamespaces() {
    var result =
        TargetSelection.namespaces(
            namespaces(null, matchLabels("team", "a"), null), CLUSTER, Set.of());

    assertThat(result).containsExactly("team-a", "team-a-dev");
  }

  @Test
  void namesAndSelectorUnionMinusExclude() {
    var target =
        namespaces(
            List.of("team-b", "kube-system", "missing"),
            matchLabels("team", "a"),
            List.of("team-a-dev", "kube-system"));

    assertThat(TargetSelection.namespaces(target, CLUSTER, Set.of()))
        .containsExactly("team-a", "team-b");
  }

  @Test
  void excludeWinsOverNames() {
    var target = namespaces(List.of("team-a"), null, List.of("team-a"));

    assertThat(TargetSelection.namespaces(target, CLUSTER, Set.of())).isEmpty();
  }

  @Test
  void emptySelectorSelectsEveryActiveNamespace() {
    var result =
        TargetSelection.namespaces(
            namespaces(null, new Selector(), List.of("kube-system")), CLUSTER, Set.of());

    assertThat(result).containsExactly("default", "team-a", "team-a-dev", "team-b");
  }

  @Test
  void terminatingNamespacesAreSkippedEvenWhenNamed() {
    var target = namespaces(List.of("team-a-old"), matchLabels("team", "a"), null);

    assertThat(TargetSelection.namespaces(target, CLUSTER, Set.of()))
        .containsExactly("team-a", "team-a-dev")
        .doesNotContain("team-a-old");
  }

  @Test
  void selectorExpressionsApplyToNamespaces() {
    var selector =
        new Selector(
            null,
            List.of(
                new SelectorRequirement("env", Operator.DoesNotExist, null),
                new SelectorRequirement("team", Operator.In, List.of("a", "b"))));

    assertThat(TargetSelection.namespaces(namespaces(null, selector, null), CLUSTER, Set.of()))
        .containsExactly("team-a", "team-b");
  }

  @Test
  void deniedNamespacesAreNeverTargetedWhateverTheCredentialSays() {
    var everything = namespaces(List.of("kube-system"), new Selector(Map.of(), null), null);

    assertThat(TargetSelection.namespaces(everything, CLUSTER, Set.of())).contains("kube-system");
    assertThat(TargetSelection.namespaces(everything, CLUSTER, Set.of("kube-system")))
        .containsExactly("default", "team-a", "team-a-dev", "team-b");
  }

  @Test
  void deniedNamespacesTheCredentialNamesAreReported() {
    var target =
        namespaces(List.of("kube-system", "team-a", "gone"), new Selector(Map.of(), null), null);

    assertThat(TargetSelection.deniedNames(target, CLUSTER, Set.of("kube-system", "gone")))
        .containsExactly("kube-system");
    assertThat(TargetSelection.deniedNames(target, CLUSTER, Set.of())).isEmpty();
  }

  @Test
  void nullTargetSelectsNothing() {
    assertThat(TargetSelection.namespaces(null, CLUSTER, Set.of())).isEmpty();
  }

  @Test
  void serviceAccountsDefaultToOnlyDefault() {
    for (ServiceAccountTarget target :
        new ServiceAccountTarget[] {null, serviceAccounts(null, null)}) {
      assertThat(TargetSelection.serviceAccountSelected(target, "default", Map.of())).isTrue();
      assertThat(TargetSelection.serviceAccountSelected(target, "builder", Map.of())).isFalse();
      assertThat(TargetSelection.serviceAccountSelected(target, "builder", Map.of("pull", "yes")))
          .isFalse();
      assertThat(TargetSelection.namedServiceAccounts(target)).containsExactly("default");
    }
  }

  @Test
  void serviceAccountNamesReplaceTheDefault() {
    var target = serviceAccounts(List.of("builder", "deployer"), null);

    assertThat(TargetSelection.serviceAccountSelected(target, "builder", null)).isTrue();
    assertThat(TargetSelection.serviceAccountSelected(target, "deployer", Map.of())).isTrue();
    assertThat(TargetSelection.serviceAccountSelected(target, "default", Map.of())).isFalse();
    assertThat(TargetSelection.namedServiceAccounts(target)).containsExactly("builder", "deployer");
  }

  @Test
  void serviceAccountSelectorAloneSelectsByLabelAndNamesNone() {
    var target = serviceAccounts(null, matchLabels("pull", "yes"));

    assertThat(TargetSelection.serviceAccountSelected(target, "app", Map.of("pull", "yes")))
        .isTrue();
    assertThat(TargetSelection.serviceAccountSelected(target, "default", Map.of())).isFalse();
    assertThat(TargetSelection.serviceAccountSelected(target, "other", null)).isFalse();
    assertThat(TargetSelection.namedServiceAccounts(target)).isEmpty();
  }

  @Test
  void serviceAccountNamesAndSelectorUnion() {
    var target = serviceAccounts(List.of("builder"), matchLabels("pull", "yes"));

    assertThat(TargetSelection.serviceAccountSelected(target, "builder", Map.of())).isTrue();
    assertThat(TargetSelection.serviceAccountSelected(target, "app", Map.of("pull", "yes")))
        .isTrue();
    assertThat(TargetSelection.serviceAccountSelected(target, "app", Map.of("pull", "no")))
        .isFalse();
    assertThat(TargetSelection.serviceAccountSelected(target, "default", Map.of())).isFalse();
    assertThat(TargetSelection.namedServiceAccounts(target)).containsExactly("builder");
  }
}
