package io.regcred.it;

import static io.regcred.it.Fixtures.basicAuthSecret;
import static io.regcred.it.Fixtures.namespace;
import static io.regcred.it.Fixtures.serviceAccount;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import io.regcred.api.v1alpha1.RegistryCredentialStatus.PullFailure;
import io.regcred.testing.Credentials;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Pull-failure reports on a real API server, with the kubelet's Events written as the kubelet
 * writes them (the real kubelet's are in {@code PullHealthE2E}): the cause lands on the credential
 * that serves the image, and Events anyone could forge report nothing a Pod does not show.
 */
class PullFailureReportIT {

  static final String NS = "regcred-pulls";
  static final String QUAY = "pulls-quay";
  static final String HARBOR = "pulls-harbor";
  static final String HUB = "pulls-hub";
  static final String IN = "pulls-in";
  static final String OUT = "pulls-out";
  static final Map<String, String> SELECTED = Map.of("regcred.io/pulls", "yes");

  static KubernetesClient client;
  static RunningOperator operator;

  @BeforeAll
  static void start() {
    client = TestCluster.newAdminClient();
    namespace(client, NS, Map.of());
    namespace(client, IN, SELECTED);
    namespace(client, OUT, Map.of());
    serviceAccount(client, IN, "default");
    serviceAccount(client, OUT, "default");
    client.resource(basicAuthSecret(NS, "quay-src", "robot", "pw")).create();
    operator = RunningOperator.start(TestCluster.newAdminClient(), NS);
    for (var c :
        List.of(
            Credentials.named(QUAY).staticSource("quay-src", "quay.io").selector(SELECTED),
            Credentials.named(HARBOR)
                .staticSource("quay-src", "harbor.example.test")
                .selector(SELECTED),
            Credentials.named(HUB)
                .staticSource("quay-src", "https://index.docker.io/v1/")
                .namespaces("pulls-nowhere"))) {
      client.resource(c.verification(false, null).build()).create();
    }
    await("the ServiceAccount patched")
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                client
                        .serviceAccounts()
                        .inNamespace(IN)
                        .withName("default")
                        .get()
                        .getImagePullSecrets()
                        .size()
                    == 2);
  }

  @AfterAll
  static void stop() {
    CredentialChecks.deleteAndWait(client, QUAY);
    CredentialChecks.deleteAndWait(client, HARBOR);
    CredentialChecks.deleteAndWait(client, HUB);
    operator.close();
    Fixtures.removeNamespace(client, IN);
    Fixtures.removeNamespace(client, OUT);
    client.close();
  }

  @Test
  void aPodInANamespaceNoCredentialTargetsIsReportedOnTheOneServingItsRegistry() {
    Fixtures.failingPull(client, OUT, "lonely", "quay.io/acme/app:1");
    PullFailure failure = awaitFailure(QUAY, OUT, "lonely", "NamespaceNotTargeted");
    assertThat(failure.message())
        .isEqualTo(
            "Pod pulls-out/lonely cannot pull quay.io/acme/app:1: namespace pulls-out is not a"
                + " target of this credential: add it to spec.target.namespaces (a name, or a label"
                + " the selector matches)");
    assertThat(failures(HARBOR)).as("another registry's credential").isEmpty();
    await("the Warning Event")
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                CredentialChecks.events(client, QUAY).stream()
                    .anyMatch(e -> e.startsWith("NamespaceNotTargeted:")));
  }

  @Test
  void aPodCreatedBeforeItsNamespaceWasTargetedIsToldToRestart() {
    Pod pod = Fixtures.failingPull(client, OUT, "early", "quay.io/acme/early:1");
    awaitFailure(QUAY, OUT, "early", "NamespaceNotTargeted");
    namespace(client, OUT, SELECTED);
    try {
      await("the ServiceAccount in " + OUT + " patched")
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  Optional.ofNullable(
                              client
                                  .serviceAccounts()
                                  .inNamespace(OUT)
                                  .withName("default")
                                  .get()
                                  .getImagePullSecrets())
                          .orElse(List.of())
                          .size()
                      == 2);
      // The kubelet's next retry.
      Fixtures.kubeletPullEvent(client, pod, "quay.io/acme/early:1");
      awaitFailure(QUAY, OUT, "early", "PodCreatedBeforePatch");
      assertThat(failures(QUAY).stream().filter(f -> f.pod().equals("early")))
          .as("one entry per Pod and image, with its latest cause")
          .hasSize(1);
    } finally {
      namespace(client, OUT, Map.of());
    }
  }

  @Test
  void aPodThatHadTheSecretReportsTheRefusalItself() {
    // A Pod created after the patch has the account's Secrets (admission copies them; the test
    // API server runs without that plugin, so the Pod lists it): the registry refused the
    // credential itself.
    Fixtures.failingPull(client, IN, "with-secret", "quay.io/acme/app:2", QUAY);
    awaitFailure(QUAY, IN, "with-secret", "CredentialRefused");
    assertThat(failures(HARBOR)).extracting(PullFailure::pod).doesNotContain("with-secret");
  }

  @Test
  void aDockerHubShortNameIsServedByTheDockerHubCredential() {
    Fixtures.failingPull(client, OUT, "short", "nginx");
    PullFailure failure = awaitFailure(HUB, OUT, "short", "NamespaceNotTargeted");
    assertThat(failure.image()).isEqualTo("nginx");
    assertThat(failures(QUAY)).extracting(PullFailure::pod).doesNotContain("short");
  }

  @Test
  void forgedEventsReportNothingThePodDoesNotShow() throws Exception {
    Pod real = Fixtures.failingPull(client, OUT, "real", "quay.io/acme/real:1");
    awaitFailure(QUAY, OUT, "real", "NamespaceNotTargeted");
    // Events about a Pod that does not exist, about an image the Pod does not run, and a flood of
    // them: nothing is reported, and a real failure after the flood still is.
    Pod ghost = new PodBuilder(real).editMetadata().withName("ghost").endMetadata().build();
    Fixtures.kubeletPullEvent(client, ghost, "quay.io/acme/real:1");
    Fixtures.kubeletPullEvent(client, real, "quay.io/acme/other:1");
    // From another namespace, about a Pod in this one that does fail: not the kubelet's doing.
    Pod failing = Fixtures.failingPod(client, IN, "victim", "quay.io/acme/victim:1", QUAY);
    Fixtures.kubeletPullEvent(client, OUT, failing, "quay.io/acme/victim:1");
    // A Pod the scheduler never placed: no pull ever failed, whatever an Event says.
    Pod pending =
        client
            .resource(
                new PodBuilder()
                    .withNewMetadata()
                    .withName("pending")
                    .withNamespace(OUT)
                    .endMetadata()
                    .withNewSpec()
                    .addNewContainer()
                    .withName("app")
                    .withImage("quay.io/acme/pending:1")
                    .endContainer()
                    .endSpec()
                    .build())
            .create();
    Fixtures.kubeletPullEvent(client, pending, "quay.io/acme/pending:1");
    Fixtures.inParallel(
        8,
        IntStream.range(0, 600).mapToObj(i -> "flood-" + i).toList(),
        name ->
            Fixtures.kubeletPullEvent(
                client,
                new PodBuilder(real).editMetadata().withName(name).endMetadata().build(),
                "quay.io/acme/" + name + ":1"));
    // Another namespace's failure, right after the flood, is not drowned by it.
    Fixtures.failingPull(client, IN, "late", "quay.io/acme/late:1", QUAY);
    awaitFailure(QUAY, IN, "late", "CredentialRefused");
    assertThat(operator.main().metrics().scrape())
        .as("the flood overflowed its namespace's share of the queue")
        .containsPattern("regcred_pull_failure_reports_dropped_total [1-9]");
    assertThat(failures(QUAY))
        .extracting(PullFailure::pod)
        .doesNotContain("ghost", "pending", "victim")
        .noneMatch(p -> p.startsWith("flood-"));
    assertThat(failures(QUAY))
        .filteredOn(f -> f.pod().equals("real"))
        .extracting(PullFailure::image)
        .containsExactly("quay.io/acme/real:1");
    assertThat(failures(QUAY)).hasSizeLessThanOrEqualTo(10);
  }

  private static PullFailure awaitFailure(String credential, String ns, String pod, String cause) {
    await(cause + " for " + ns + "/" + pod + " on " + credential)
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () ->
                failures(credential).stream()
                    .anyMatch(
                        f ->
                            f.namespace().equals(ns)
                                && f.pod().equals(pod)
                                && f.cause().equals(cause)));
    return failures(credential).stream()
        .filter(f -> f.pod().equals(pod) && f.cause().equals(cause))
        .findFirst()
        .orElseThrow();
  }

  private static List<PullFailure> failures(String credential) {
    ClusterRegistryCredential c =
        client.resources(ClusterRegistryCredential.class).withName(credential).get();
    return c == null || c.getStatus() == null || c.getStatus().getPullFailures() == null
        ? List.of()
        : c.getStatus().getPullFailures();
  }
}
