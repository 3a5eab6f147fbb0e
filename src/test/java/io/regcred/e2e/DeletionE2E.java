package io.regcred.e2e;

import static io.regcred.it.Fixtures.namespace;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import io.regcred.it.CredentialChecks;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * What the cluster's own controllers do with what the operator wrote: a namespace holding our
 * Secret is deleted to the end while the operator runs, and when the operator is gone, deleting a
 * credential (and clearing the finalizer no one will run) lets the garbage collector remove its
 * Secrets through their owner references, and nothing else.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DeletionE2E extends OnTheNode.WithShippedOperator {

  static final String CREDENTIAL = "e2e-deletion";
  static final Map<String, String> SELECTED = Map.of("regcred.io/e2e-deletion", "yes");
  static final String DELETED = "e2e-deletion-gone";
  static final String KEPT_A = "e2e-deletion-a";
  static final String KEPT_B = "e2e-deletion-b";
  static final String FOREIGN = "team-owned";

  @BeforeAll
  static void installOperator() throws Exception {
    install("deletion-e2e.log");
    for (String ns : List.of(DELETED, KEPT_A, KEPT_B)) {
      namespace(admin, ns, SELECTED);
    }
    staticCredential(CREDENTIAL, SELECTED);
    await("the credential ready in three namespaces")
        .atMost(Duration.ofSeconds(60))
        .until(() -> CredentialChecks.ready(admin, CREDENTIAL, 3));
  }

  @Test
  @Order(1)
  void aNamespaceHoldingOurSecretIsDeletedToTheEndWhileTheOperatorRuns() {
    await("our Secret listed in " + DELETED + "/default")
        .atMost(Duration.ofSeconds(30))
        .until(() -> pods.pullSecrets(DELETED).contains(CREDENTIAL));
    pods.create(DELETED, "app");
    pods.awaitRunning(DELETED, "app");

    long start = System.nanoTime();
    admin.namespaces().withName(DELETED).delete();
    await("the namespace " + DELETED + " gone")
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> admin.namespaces().withName(DELETED).get() == null);
    double gone = (System.nanoTime() - start) / 1e9;
    await("the credential ready in the two namespaces left")
        .atMost(Duration.ofSeconds(30))
        .until(() -> CredentialChecks.ready(admin, CREDENTIAL, 2));
    System.out.printf(
        "deletion: a namespace with our Secret, its ServiceAccount entry and a running Pod gone"
            + " %.1f s after its deletion%n",
        gone);
  }

  @Test
  @Order(2)
  void withTheOperatorGoneTheGarbageCollectorRemovesTheSecretsOfADeletedCredential()
      throws Exception {
    admin
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(FOREIGN)
                .withNamespace(KEPT_A)
                .endMetadata()
                .withStringData(Map.of("note", "the team's own"))
                .build())
        .create();
    ClusterRegistryCredential credential =
        admin.resources(ClusterRegistryCredential.class).withName(CREDENTIAL).get();
    for (String ns : List.of(KEPT_A, KEPT_B)) {
      assertThat(
              admin
                  .secrets()
                  .inNamespace(ns)
                  .withName(CREDENTIAL)
                  .get()
                  .getMetadata()
                  .getOwnerReferences())
          .as("the owners of our Secret in %s", ns)
          .extracting(OwnerReference::getUid)
          .containsExactly(credential.getMetadata().getUid());
    }

    operator.close();
    admin.resources(ClusterRegistryCredential.class).withName(CREDENTIAL).delete();
    // No operator runs the finalizer: the credential stays, and so do its Secrets.
    ClusterRegistryCredential deleting =
        admin.resources(ClusterRegistryCredential.class).withName(CREDENTIAL).get();
    assertThat(deleting.getMetadata().getDeletionTimestamp()).isNotNull();
    assertThat(admin.secrets().inNamespace(KEPT_A).withName(CREDENTIAL).get()).isNotNull();

    // What README's uninstall tells an administrator to do when the operator is gone.
    long start = System.nanoTime();
    node.kubectl(
        "patch",
        "clusterregistrycredential",
        CREDENTIAL,
        "--type=json",
        "-p",
        "[{\"op\":\"remove\",\"path\":\"/metadata/finalizers\"}]");
    await("the garbage collector removes our Secrets")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () ->
                List.of(KEPT_A, KEPT_B).stream()
                    .allMatch(
                        ns -> admin.secrets().inNamespace(ns).withName(CREDENTIAL).get() == null));
    double collected = (System.nanoTime() - start) / 1e9;
    assertThat(admin.resources(ClusterRegistryCredential.class).withName(CREDENTIAL).get())
        .isNull();
    assertThat(admin.secrets().inNamespace(KEPT_A).withName(FOREIGN).get())
        .as("a Secret of the team's own")
        .isNotNull();
    assertThat(
            admin
                .secrets()
                .inNamespace(ShippedOperator.NAMESPACE)
                .withName(sourceSecretOf(CREDENTIAL))
                .get())
        .as("the source Secret, which the operator only reads")
        .isNotNull();
    System.out.printf(
        "deletion: with the operator stopped, the garbage collector removed the Secrets of a"
            + " deleted credential %.1f s after its finalizer was cleared%n",
        collected);
  }

  @AfterAll
  static void cleanUp() {
    tearDown(List.of(CREDENTIAL), List.of(DELETED, KEPT_A, KEPT_B));
  }
}
