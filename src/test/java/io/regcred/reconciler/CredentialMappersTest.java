package io.regcred.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import io.regcred.model.NamespaceView;
import io.regcred.testing.Credentials;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Which credentials an event for a Namespace or a ServiceAccount wakes: only those it concerns. */
class CredentialMappersTest {

  static final List<ClusterRegistryCredential> CREDENTIALS =
      List.of(
          Credentials.named("by-name").namespaces("team-a").build(),
          Credentials.named("by-label").selector(Map.of("pull", "yes")).build(),
          Credentials.named("elsewhere").namespaces("team-z").build(),
          Credentials.named("everything").selector(Map.of()).build());

  static Namespace namespace(String name, Map<String, String> labels) {
    return new NamespaceBuilder()
        .withNewMetadata()
        .withName(name)
        .withLabels(labels)
        .endMetadata()
        .build();
  }

  static Set<String> names(Set<ResourceID> ids) {
    return ids.stream().map(ResourceID::getName).collect(Collectors.toSet());
  }

  @Test
  void aNamespaceEventWakesTheCredentialsThatTargetItOrHoldASecretThere() {
    var mapper =
        new NamespaceToCredentialsMapper(
            CREDENTIALS::stream,
            ns -> ns.equals("team-b") ? Set.of("elsewhere") : Set.of(),
            Set.of("kube-system"));

    assertThat(names(mapper.toPrimaryResourceIDs(namespace("team-a", Map.of()))))
        .containsExactlyInAnyOrder("by-name", "everything");
    assertThat(names(mapper.toPrimaryResourceIDs(namespace("team-b", Map.of("pull", "yes")))))
        .as("a Secret of 'elsewhere' is still there: it must be pruned")
        .containsExactlyInAnyOrder("by-label", "everything", "elsewhere");
    assertThat(names(mapper.toPrimaryResourceIDs(namespace("kube-system", Map.of("pull", "yes")))))
        .isEmpty();
  }

  @Test
  void aServiceAccountEventWakesOnlyTheCredentialsThatTargetItsNamespace() {
    Map<String, NamespaceView> cluster =
        Map.of(
            "team-a", NamespaceView.active("team-a", Map.of()),
            "team-c", NamespaceView.active("team-c", Map.of("pull", "yes")),
            "kube-system", NamespaceView.active("kube-system", Map.of()));
    var mapper =
        new ServiceAccountToCredentialsMapper(
            CREDENTIALS::stream, ns -> Optional.ofNullable(cluster.get(ns)), Set.of("kube-system"));

    assertThat(names(mapper.toPrimaryResourceIDs(sa("team-a"))))
        .containsExactlyInAnyOrder("by-name", "everything");
    assertThat(names(mapper.toPrimaryResourceIDs(sa("team-c"))))
        .containsExactlyInAnyOrder("by-label", "everything");
    assertThat(mapper.toPrimaryResourceIDs(sa("kube-system"))).isEmpty();
    assertThat(mapper.toPrimaryResourceIDs(sa("unknown"))).isEmpty();
  }

  static ServiceAccount sa(String namespace) {
    return new ServiceAccountBuilder()
        .withNewMetadata()
        .withName("default")
        .withNamespace(namespace)
        .endMetadata()
        .build();
  }
}
