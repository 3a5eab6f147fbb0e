package io.regcred.e2e;

import static io.regcred.it.Fixtures.namespace;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.regcred.api.v1alpha1.RegistryCredential;
import io.regcred.testing.Credentials;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The promise of the operator, kept on a real node: a static RegistryCredential selecting
 * namespaces by label makes a new labelled namespace able to pull from a private registry, with
 * nothing in the Pod's spec. The controller-manager creates the namespace's {@code default}
 * ServiceAccount, the operator (its own process, with the shipped RBAC) writes the pull Secret and
 * lists it in that account's {@code imagePullSecrets}, admission copies it into the Pod, and the
 * kubelet pulls with it. In a namespace the credential does not select, the same image is refused
 * with the registry's 401, although it is on the node by then: the kubelet re-checks credentials
 * for images pulled with a Secret ({@code KubeletEnsureSecretPulledImages}).
 */
class PullThroughServiceAccountE2E {

  static final String CREDENTIAL = "e2e-pull";
  static final String SOURCE_SECRET = "e2e-pull-registry";
  static final Map<String, String> SELECTED = Map.of("regcred.io/e2e-pull", "yes");
  static final String LABELLED = "e2e-pull-labelled";
  static final String UNLABELLED = "e2e-pull-unlabelled";
  static final String POD = "app";
  static final Path LOG = Path.of("target", "pull-through-service-account-e2e.log");

  static RealNode node;
  static KubernetesClient admin;
  static ShippedOperator operator;

  @BeforeAll
  static void installOperator() throws Exception {
    node = RealNode.get();
    admin = node.newAdminClient();
    Files.deleteIfExists(LOG);
    operator = ShippedOperator.install(node, admin, LOG);
  }

  @Test
  void aPodInASelectedNamespacePullsThePrivateImageAndOneElsewhereGets401() {
    admin
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(SOURCE_SECRET)
                .withNamespace(ShippedOperator.NAMESPACE)
                .endMetadata()
                .withType("kubernetes.io/basic-auth")
                .withStringData(
                    Map.of("username", node.registryUser(), "password", node.registryPassword()))
                .build())
        .serverSideApply();
    admin
        .resource(
            Credentials.named(CREDENTIAL)
                .staticSource(SOURCE_SECRET, node.registry())
                .selector(SELECTED)
                .build())
        .serverSideApply();

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
                assertThat(pullSecrets(LABELLED))
                    .as("imagePullSecrets of %s/default", LABELLED)
                    .contains(CREDENTIAL));
    double listed = (System.nanoTime() - start) / 1e9;

    Pod created = pod(LABELLED);
    assertThat(created.getSpec().getImagePullSecrets())
        .as("the Pod's Secret, from its ServiceAccount")
        .extracting(LocalObjectReference::getName)
        .containsExactly(CREDENTIAL);
    long podStart = System.nanoTime();
    await("the Pod in " + LABELLED + " running")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () ->
                assertThat(phase(LABELLED))
                    .as("phase; events: %s", events(LABELLED))
                    .isEqualTo("Running"));
    double running = (System.nanoTime() - podStart) / 1e9;

    // The image is on the node now; without a Secret the kubelet still asks the registry.
    Pod elsewhere = pod(UNLABELLED);
    assertThat(elsewhere.getSpec().getImagePullSecrets()).isNullOrEmpty();
    long refusedStart = System.nanoTime();
    await("the registry's 401 for the Pod in " + UNLABELLED)
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () ->
                assertThat(events(UNLABELLED))
                    .as("events of a Pod in phase %s", phase(UNLABELLED))
                    .anyMatch(m -> m.contains("401 Unauthorized")));
    double refused = (System.nanoTime() - refusedStart) / 1e9;
    assertThat(phase(UNLABELLED)).as("the Pod without a Secret").isEqualTo("Pending");
    assertThat(admin.secrets().inNamespace(UNLABELLED).withName(CREDENTIAL).get())
        .as("no Secret in the namespace the credential does not select")
        .isNull();
    System.out.printf(
        "pull through ServiceAccount: Secret listed in the new namespace's ServiceAccount %.1f s"
            + " after it was created, Pod Running %.1f s after it was created; the Pod elsewhere"
            + " refused with 401 after %.1f s%n",
        listed, running, refused);
  }

  /**
   * Deletes what the test created: the namespaces (the real namespace controller ends their Pods),
   * the credential while the operator runs to release its finalizer, then the operator and what
   * installed it.
   */
  @AfterAll
  static void cleanUp() throws Exception {
    if (admin == null) {
      return;
    }
    long start = System.nanoTime();
    try {
      node.kubectl(
          "delete", "namespace", LABELLED, UNLABELLED, "--ignore-not-found", "--timeout=60s");
      if (operator != null && operator.isAlive()) {
        admin.resources(RegistryCredential.class).withName(CREDENTIAL).delete();
        await("the credential deleted")
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> admin.resources(RegistryCredential.class).withName(CREDENTIAL).get() == null);
      }
    } finally {
      if (operator != null) {
        operator.close();
        // Without an operator the finalizer would keep the credential, and with it the CRD.
        var left = admin.resources(RegistryCredential.class).withName(CREDENTIAL).get();
        if (left != null) {
          left.getMetadata().setFinalizers(List.of());
          admin.resource(left).update();
        }
        operator.uninstall();
      }
      admin.close();
      System.out.printf(
          "pull through ServiceAccount: cleaned up in %.1f s%n", (System.nanoTime() - start) / 1e9);
    }
  }

  /** A Pod naming no Secret, once the controller-manager has created the default account. */
  private static Pod pod(String namespace) {
    await("the ServiceAccount " + namespace + "/default")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> account(namespace) != null);
    return admin
        .resource(
            new PodBuilder()
                .withNewMetadata()
                .withName(POD)
                .withNamespace(namespace)
                .endMetadata()
                .withNewSpec()
                .withTerminationGracePeriodSeconds(2L)
                .addNewContainer()
                .withName(POD)
                .withImage(node.image())
                .endContainer()
                .endSpec()
                .build())
        .create();
  }

  private static ServiceAccount account(String namespace) {
    return admin.serviceAccounts().inNamespace(namespace).withName("default").get();
  }

  private static List<String> pullSecrets(String namespace) {
    ServiceAccount sa = account(namespace);
    return sa == null || sa.getImagePullSecrets() == null
        ? List.of()
        : sa.getImagePullSecrets().stream().map(LocalObjectReference::getName).toList();
  }

  private static String phase(String namespace) {
    Pod pod = admin.pods().inNamespace(namespace).withName(POD).get();
    return pod == null || pod.getStatus() == null ? null : pod.getStatus().getPhase();
  }

  /** The messages of the Events about the Pod, such as the kubelet's pull failures. */
  private static List<String> events(String namespace) {
    return admin
        .v1()
        .events()
        .inNamespace(namespace)
        .withField("involvedObject.name", POD)
        .list()
        .getItems()
        .stream()
        .map(Event::getMessage)
        .collect(Collectors.toList());
  }
}
