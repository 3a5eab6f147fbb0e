package io.regcred.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.regcred.api.v1alpha1.RegistryCredentialStatus.PullFailure;
import io.regcred.model.PullDiagnosis.CredentialFacts;
import io.regcred.model.PullDiagnosis.Finding;
import io.regcred.model.PullDiagnosis.PodFacts;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Why a refused pull happened, read backwards from the admission rules; and its report. */
class PullDiagnosisTest {

  private static final String IMAGE = "quay.io/acme/api:1";

  private static PodFacts pod(String account, String... pullSecrets) {
    return new PodFacts("team-a", "api-1", account, List.of(pullSecrets));
  }

  /** A credential writing Secret "quay" that targets the namespace, with the given facts. */
  private static CredentialFacts quay(boolean selects, boolean listed, boolean written) {
    return new CredentialFacts("quay", "quay", true, selects, listed, written);
  }

  private static Reason cause(PodFacts pod, CredentialFacts credential) {
    List<Finding> findings = PullDiagnosis.diagnose(pod, IMAGE, List.of(credential));
    assertThat(findings).hasSize(1);
    assertThat(findings.get(0).message()).startsWith("Pod team-a/api-1 cannot pull " + IMAGE);
    return findings.get(0).cause();
  }

  @Test
  void theCauseFollowsFromWhereTheSecretIsAndIsNot() {
    assertThat(cause(pod("default", "quay"), quay(true, true, true)))
        .isEqualTo(Reason.CredentialRefused);
    assertThat(cause(pod("default", "quay"), quay(true, true, false)))
        .isEqualTo(Reason.SecretMissing);
    assertThat(cause(pod("default", "other"), quay(true, true, true)))
        .isEqualTo(Reason.PodNamesOtherSecrets);
    assertThat(cause(pod("default"), quay(true, true, true)))
        .isEqualTo(Reason.PodCreatedBeforePatch);
    assertThat(cause(pod("builder"), quay(false, false, true)))
        .isEqualTo(Reason.ServiceAccountNotSelected);
    assertThat(cause(pod("default"), quay(true, false, true)))
        .isEqualTo(Reason.ServiceAccountNotPatched);
  }

  @Test
  void aSelectedAccountThatListsTheSecretMeansThePodIsOlderThanThePatch() {
    // Selected or not: the account lists the Secret and the Pod lacks it.
    assertThat(cause(pod("builder"), quay(false, true, true)))
        .isEqualTo(Reason.PodCreatedBeforePatch);
  }

  @Test
  void onlyCredentialsTargetingTheNamespaceAreConcernedWhenThereAreAny() {
    var targeting = quay(true, false, true);
    var elsewhere = new CredentialFacts("quay-eu", "quay-eu", false, true, false, true);
    assertThat(PullDiagnosis.diagnose(pod("default"), IMAGE, List.of(targeting, elsewhere)))
        .extracting(Finding::credential, Finding::cause)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("quay", Reason.ServiceAccountNotPatched));
    assertThat(PullDiagnosis.diagnose(pod("default"), IMAGE, List.of(elsewhere)))
        .extracting(Finding::credential, Finding::cause)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("quay-eu", Reason.NamespaceNotTargeted));
    assertThat(PullDiagnosis.diagnose(pod("default"), IMAGE, List.of())).isEmpty();
  }

  @Test
  void theKubeletsMessageNamesTheImageOnlyForRefusedLogins() {
    String containerd =
        "Failed to pull image \"127.0.0.1:5000/app:1\": failed to pull and unpack image"
            + " \"127.0.0.1:5000/app:1\": failed to resolve reference \"127.0.0.1:5000/app:1\":"
            + " unexpected status from HEAD request to https://127.0.0.1:5000/v2/app/manifests/1:"
            + " 401 Unauthorized";
    assertThat(PullFailureMessage.refusedImage(containerd)).contains("127.0.0.1:5000/app:1");
    assertThat(
            PullFailureMessage.refusedImage(
                "Failed to pull image \"nginx\": rpc error: code = Unknown desc = Error response"
                    + " from daemon: pull access denied for nginx"))
        .contains("nginx");
    assertThat(
            PullFailureMessage.refusedImage(
                "Failed to pull image \"quay.io/a/b:1\": failed to resolve reference: quay.io/a/b:1:"
                    + " not found"))
        .as("a missing image is not a login problem")
        .isEmpty();
    assertThat(PullFailureMessage.refusedImage("Error: ErrImagePull")).isEmpty();
    assertThat(PullFailureMessage.refusedImage("Failed to pull image \"unterminated 401"))
        .isEmpty();
    assertThat(PullFailureMessage.refusedImage(null)).isEmpty();
    String huge = "Failed to pull image \"" + "a".repeat(10_000) + "\": 401 Unauthorized";
    assertThat(PullFailureMessage.refusedImage(huge)).as("cut before reading").isEmpty();
  }

  @Test
  void theLogKeepsOneEntryPerPodAndImageNewestFirstAndBounded() {
    List<PullFailure> log = List.of();
    for (int i = 0; i < 15; i++) {
      log = PullFailureLog.add(log, failure("ns-" + i, "pod", "NamespaceNotTargeted", T0), T0);
    }
    assertThat(log).hasSize(PullFailureLog.MAX);
    assertThat(log.get(0).namespace()).isEqualTo("ns-14");

    PullFailure moved = failure("ns-10", "pod", "PodCreatedBeforePatch", T0);
    assertThat(PullFailureLog.isNews(log, moved)).as("another cause").isTrue();
    log = PullFailureLog.add(log, moved, T0);
    assertThat(log).hasSize(PullFailureLog.MAX);
    assertThat(log.get(0)).isEqualTo(moved);
    assertThat(log).extracting(PullFailure::namespace).doesNotHaveDuplicates();
  }

  @Test
  void aRepeatChangesNothingUntilItsEntryIsOld() {
    List<PullFailure> log = PullFailureLog.add(List.of(), failure("a", "p", "X", T0), T0);
    PullFailure retry = failure("a", "p", "X", T0.plusSeconds(40));
    assertThat(PullFailureLog.isNews(log, retry)).as("the kubelet's next retry").isFalse();
    assertThat(PullFailureLog.add(log, retry, T0.plusSeconds(40)))
        .as("no status write for a retry")
        .isSameAs(log);
    PullFailure later = failure("a", "p", "X", T0.plus(PullFailureLog.REFRESH));
    assertThat(PullFailureLog.add(log, later, T0.plus(PullFailureLog.REFRESH)))
        .containsExactly(later);
  }

  @Test
  void oneNamespaceCannotPushOutTheOthers() {
    List<PullFailure> log = List.of();
    log = PullFailureLog.add(log, failure("quiet", "real", "X", T0), T0);
    for (int i = 0; i < 50; i++) {
      log = PullFailureLog.add(log, failure("noisy", "pod-" + i, "X", T0), T0);
    }
    assertThat(log).extracting(PullFailure::namespace).containsOnlyOnce("quiet");
    assertThat(log.stream().filter(f -> f.namespace().equals("noisy")))
        .hasSize(PullFailureLog.PER_NAMESPACE);
    assertThat(log.get(0).pod()).isEqualTo("pod-49");
  }

  private static final java.time.Instant T0 = java.time.Instant.parse("2026-11-24T08:00:00Z");

  private static PullFailure failure(String ns, String pod, String cause, java.time.Instant at) {
    return new PullFailure(ns, pod, IMAGE, cause, "why", StatusFactory.format(at));
  }
}
