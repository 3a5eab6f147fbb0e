package io.regcred.e2e;

import static io.regcred.it.Fixtures.namespace;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The promise of the operator, kept on a real node: a static ClusterRegistryCredential selecting
 * namespaces by label makes a new labelled namespace able to pull from a private registry, with
 * nothing in the Pod's spec. The controller-manager creates the namespace's {@code default}
 * ServiceAccount, the operator (its own process, with the shipped RBAC) writes the pull Secret and
 * lists it in that account's {@code imagePullSecrets}, admission copies it into the Pod, and the
 * kubelet pulls with it. In a namespace the credential does not select, the same image is refused
 * with the registry's 401, although it is on the node by then: the Pods pull {@code Always}, and
 * the node re-checks credentials for images pulled with a Secret ({@code
 * KubeletEnsureSecretPulledImages}) besides.
 */
class PullThroughServiceAccountE2E extends OnTheNode.WithShippedOperator {

  static final String CREDENTIAL = "e2e-pull";
  static final Map<String, String> SELECTED = Map.of("regcred.io/e2e-pull", "yes");
  static final String LABELLED = "e2e-pull-labelled";
  static final String UNLABELLED = "e2e-pull-unlabelled";
  static final String POD = "app";

  @BeforeAll
  static void installOperator() throws Exception {
    install("pull-through-service-account-e2e.log");
  }

  @Test
  void aPodInASelectedNamespacePullsThePrivateImageAndOneElsewhereGets401() {
    staticCredential(CREDENTIAL, SELECTED);

    long start = System.nanoTime();
    namespace(admin, LABELLED, SELECTED);
    namespace(admin, UNLABELLED, Map.of());
    // Admission copies the ServiceAccount's imagePullSecrets into a Pod only when it creates the
    // Pod, so a user's Pod gets the Secret once the account lists it.
    await("the operator lists its Secret in " + LABELLED + "/default")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () ->
                assertThat(pods.pullSecrets(LABELLED))
                    .as("imagePullSecrets of %s/default", LABELLED)
                    .contains(CREDENTIAL));
    double listed = (System.nanoTime() - start) / 1e9;

    Pod created = pods.create(LABELLED, POD);
    assertThat(created.getSpec().getImagePullSecrets())
        .as("the Pod's Secret, from its ServiceAccount")
        .extracting(LocalObjectReference::getName)
        .containsExactly(CREDENTIAL);
    long podStart = System.nanoTime();
    pods.awaitRunning(LABELLED, POD);
    double running = (System.nanoTime() - podStart) / 1e9;

    // The image is on the node now; the kubelet still asks the registry, which refuses.
    Pod elsewhere = pods.create(UNLABELLED, POD);
    assertThat(elsewhere.getSpec().getImagePullSecrets()).isNullOrEmpty();
    long refusedStart = System.nanoTime();
    pods.awaitRefused(UNLABELLED, POD);
    double refused = (System.nanoTime() - refusedStart) / 1e9;
    assertThat(pods.phase(UNLABELLED, POD)).as("the Pod without a Secret").isEqualTo("Pending");
    assertThat(admin.secrets().inNamespace(UNLABELLED).withName(CREDENTIAL).get())
        .as("no Secret in the namespace the credential does not select")
        .isNull();
    System.out.printf(
        "pull through ServiceAccount: Secret listed in the new namespace's ServiceAccount %.1f s"
            + " after it was created, Pod Running %.1f s after it was created; the Pod elsewhere"
            + " refused with 401 after %.1f s%n",
        listed, running, refused);
  }

  @AfterAll
  static void cleanUp() {
    tearDown(List.of(CREDENTIAL), List.of(LABELLED, UNLABELLED));
  }
}
