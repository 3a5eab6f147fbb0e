package io.regcred.e2e;

import static io.regcred.it.Fixtures.namespace;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import io.regcred.api.v1alpha1.RegistryCredentialStatus.PullFailure;
import io.regcred.it.CredentialChecks;
import io.regcred.testing.Credentials;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Pull health on a real node: the operator proves its credential at the registry before a Pod needs
 * it, and when the kubelet reports a refused pull it names the cause on the credential that serves
 * the image, with its fix. Each cause is provoked the way it happens in a cluster, and the real
 * kubelet's Event is what the operator reads.
 */
class PullHealthE2E extends OnTheNode.WithShippedOperator {

  static final String CREDENTIAL = "e2e-health";

  /** Same kind of credential, for a registry the node's image is not in: never concerned. */
  static final String ELSEWHERE = "e2e-health-elsewhere";

  static final String USER = "e2e-health";
  static final Map<String, String> SELECTED = Map.of("regcred.io/e2e-health", "yes");
  static final Map<String, String> SELECTED_FOR_VERIFY =
      Map.of("regcred.io/e2e-health-verify", "yes");
  static final String VERIFIED_NS = "e2e-health-verified";
  static final String UNTARGETED = "e2e-health-untargeted";
  static final String TARGETED = "e2e-health-targeted";
  static final Duration REPORTED_WITHIN = Duration.ofSeconds(90);

  @BeforeAll
  static void installOperator() throws Exception {
    install("pull-health-e2e.log");
  }

  @Test
  void aWrongPasswordTurnsVerifiedFalseBeforeAnyPodFailsThenPodsReportIt() {
    String password = node.rotateRegistryUser(USER);
    credential(CREDENTIAL, password, node.registry(), SELECTED_FOR_VERIFY);
    await("Verified True")
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(() -> assertThat(verified(CREDENTIAL)).isEqualTo("True/Verified"));

    namespace(admin, VERIFIED_NS, SELECTED_FOR_VERIFY);
    await("the operator lists its Secret in " + VERIFIED_NS + "/default")
        .atMost(Duration.ofSeconds(60))
        .until(() -> pods.pullSecrets(VERIFIED_NS).contains(CREDENTIAL));
    pods.create(VERIFIED_NS, "before");
    pods.awaitRunning(VERIFIED_NS, "before");

    // The platform team rotates to a password the registry does not know.
    putSourceSecret(sourceSecretOf(CREDENTIAL), USER, "not-" + password);
    await("Verified False, Unauthorized")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100))
        .untilAsserted(() -> assertThat(verified(CREDENTIAL)).isEqualTo("False/Unauthorized"));
    assertThat(
            Optional.ofNullable(credential(CREDENTIAL).getStatus().getPullFailures())
                .orElse(List.of()))
        .as("no Pod in %s has failed yet", VERIFIED_NS)
        .noneMatch(f -> f.namespace().equals(VERIFIED_NS));
    assertThat(CredentialChecks.events(admin, CREDENTIAL))
        .anyMatch(m -> m.startsWith("Unauthorized:"));
    assertThat(operator.log()).doesNotContain("not-" + password);

    pods.create(VERIFIED_NS, "after");
    pods.awaitRefused(VERIFIED_NS, "after");
    Duration delay = awaitReported(CREDENTIAL, VERIFIED_NS, "after", "CredentialRefused");
    System.out.printf(
        "CredentialRefused reported %d ms after the kubelet's Event%n", delay.toMillis());

    putSourceSecret(sourceSecretOf(CREDENTIAL), USER, password);
    await("Verified True again")
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(verified(CREDENTIAL)).isEqualTo("True/Verified"));
  }

  @Test
  void eachCauseIsReportedOnTheCredentialThatServesTheImage() {
    String password = node.rotateRegistryUser(USER + "-causes");
    putSourceSecret(sourceSecretOf(ELSEWHERE), USER, password);
    admin
        .resource(
            Credentials.named(ELSEWHERE)
                .staticSource(sourceSecretOf(ELSEWHERE), "127.0.0.1:1")
                .selector(SELECTED)
                .secretName(ELSEWHERE)
                .verification(false, null)
                .build())
        .serverSideApply();
    credential(CREDENTIAL + "-causes", password, node.registry(), SELECTED);
    String credential = CREDENTIAL + "-causes";

    namespace(admin, UNTARGETED, Map.of());
    namespace(admin, TARGETED, SELECTED);
    await("the operator lists its Secret in " + TARGETED + "/default")
        .atMost(Duration.ofSeconds(60))
        .until(() -> pods.pullSecrets(TARGETED).contains(credential));
    admin
        .resource(
            new ServiceAccountBuilder()
                .withNewMetadata()
                .withName("builder")
                .withNamespace(TARGETED)
                .endMetadata()
                .build())
        .create();

    List<String> report = new ArrayList<>();
    // 1. A namespace no credential for the registry targets.
    pods.create(UNTARGETED, "early");
    report.add(caused(credential, UNTARGETED, "early", "NamespaceNotTargeted"));
    // 2. A ServiceAccount the credential does not select.
    pod(TARGETED, "as-builder", "builder", List.of());
    report.add(caused(credential, TARGETED, "as-builder", "ServiceAccountNotSelected"));
    // 3. A Pod that names its own pull Secrets, so admission adds none of its account's.
    pod(TARGETED, "own-secrets", "default", List.of("someone-elses"));
    report.add(caused(credential, TARGETED, "own-secrets", "PodNamesOtherSecrets"));
    // 4. The namespace joins the target after its Pod was created: the account gets the Secret,
    // the Pod keeps failing until it is created again. The kubelet's next retry says so.
    namespace(admin, UNTARGETED, SELECTED);
    report.add(caused(credential, UNTARGETED, "early", "PodCreatedBeforePatch"));
    report.forEach(System.out::println);

    assertThat(credential(ELSEWHERE).getStatus().getPullFailures())
        .as("a credential for another registry is never concerned")
        .isNullOrEmpty();
    assertThat(CredentialChecks.events(admin, credential))
        .anyMatch(m -> m.startsWith("PodCreatedBeforePatch:"))
        .anyMatch(m -> m.startsWith("NamespaceNotTargeted:"));
  }

  @AfterAll
  static void cleanUp() {
    tearDown(
        List.of(CREDENTIAL, CREDENTIAL + "-causes", ELSEWHERE),
        List.of(VERIFIED_NS, UNTARGETED, TARGETED));
  }

  private static void credential(
      String name, String password, String server, Map<String, String> selector) {
    putSourceSecret(sourceSecretOf(name), USER, password);
    admin
        .resource(
            Credentials.named(name)
                .staticSource(sourceSecretOf(name), server)
                .selector(selector)
                .verification(true, registryCa())
                .build())
        .serverSideApply();
  }

  private static ClusterRegistryCredential credential(String name) {
    return admin.resources(ClusterRegistryCredential.class).withName(name).get();
  }

  private static String verified(String name) {
    return Optional.ofNullable(credential(name).getStatus())
        .flatMap(
            s -> s.getConditions().stream().filter(c -> "Verified".equals(c.getType())).findFirst())
        .map((Condition c) -> c.getStatus() + "/" + c.getReason())
        .orElse("none");
  }

  private static void pod(String ns, String name, String account, List<String> pullSecrets) {
    admin
        .resource(
            new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(ns)
                .endMetadata()
                .withNewSpec()
                .withServiceAccountName(account)
                .withTerminationGracePeriodSeconds(1L)
                .addNewContainer()
                .withName("app")
                .withImage(node.image())
                .withImagePullPolicy("Always")
                .endContainer()
                .withImagePullSecrets(pullSecrets.stream().map(LocalObjectReference::new).toList())
                .endSpec()
                .build())
        .create();
  }

  private static String caused(String credential, String ns, String pod, String cause) {
    Duration delay = awaitReported(credential, ns, pod, cause);
    return String.format(
        "%-26s %s/%s reported %d ms after the kubelet's Event", cause, ns, pod, delay.toMillis());
  }

  /**
   * Waits for the cause on the credential and returns how long after the kubelet's latest Event
   * about the Pod it was seen (Event times have second precision).
   */
  private static Duration awaitReported(String credential, String ns, String pod, String cause) {
    await(cause + " for " + ns + "/" + pod + " on " + credential)
        .atMost(REPORTED_WITHIN)
        .pollInterval(Duration.ofMillis(100))
        .untilAsserted(
            () ->
                assertThat(
                        Optional.ofNullable(credential(credential).getStatus().getPullFailures())
                            .orElse(List.of()))
                    .as("pull failures; Pod events: %s", pods.events(ns, pod))
                    .anyMatch(
                        f ->
                            f.namespace().equals(ns)
                                && f.pod().equals(pod)
                                && f.cause().equals(cause)
                                && f.image().equals(node.image())));
    Instant seen = Instant.now();
    Instant event =
        admin
            .v1()
            .events()
            .inNamespace(ns)
            .withField("involvedObject.name", pod)
            .list()
            .getItems()
            .stream()
            .filter(e -> "Failed".equals(e.getReason()) && e.getLastTimestamp() != null)
            .map(e -> Instant.parse(e.getLastTimestamp()))
            .max(Instant::compareTo)
            .orElse(seen);
    PullFailure failure =
        credential(credential).getStatus().getPullFailures().stream()
            .filter(f -> f.pod().equals(pod) && f.cause().equals(cause))
            .findFirst()
            .orElseThrow();
    assertThat(failure.message()).contains(ns + "/" + pod).contains(node.image());
    return Duration.between(event, seen);
  }
}
