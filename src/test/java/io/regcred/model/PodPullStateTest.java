package io.regcred.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.regcred.model.PodPullState.State;
import org.junit.jupiter.api.Test;

/** An Event about a failed pull is believed only as far as the Pod's own status bears it out. */
class PodPullStateTest {

  private static final String IMAGE = "quay.io/acme/api:1";

  private static Pod pod(ContainerStatus... statuses) {
    return new PodBuilder()
        .withNewMetadata()
        .withName("api")
        .withNamespace("team-a")
        .endMetadata()
        .withNewSpec()
        .addNewContainer()
        .withName("app")
        .withImage(IMAGE)
        .endContainer()
        .endSpec()
        .withNewStatus()
        .withContainerStatuses(statuses)
        .endStatus()
        .build();
  }

  private static ContainerStatus waiting(String reason) {
    return new ContainerStatusBuilder()
        .withName("app")
        .withNewState()
        .withNewWaiting()
        .withReason(reason)
        .endWaiting()
        .endState()
        .build();
  }

  @Test
  void onlyTheKubeletsPullFailureCounts() {
    assertThat(PodPullState.of(pod(waiting("ErrImagePull")), IMAGE)).isEqualTo(State.FAILING);
    assertThat(PodPullState.of(pod(waiting("ImagePullBackOff")), IMAGE)).isEqualTo(State.FAILING);
    assertThat(PodPullState.of(pod(waiting("CrashLoopBackOff")), IMAGE))
        .isEqualTo(State.NOT_FAILING);
    var running =
        new ContainerStatusBuilder()
            .withName("app")
            .withNewState()
            .withNewRunning()
            .endRunning()
            .endState()
            .build();
    assertThat(PodPullState.of(pod(running), IMAGE)).isEqualTo(State.NOT_FAILING);
    assertThat(PodPullState.of(pod(waiting("ErrImagePull")), "quay.io/acme/other:1"))
        .as("an image the Pod does not run")
        .isEqualTo(State.NOT_FAILING);
    assertThat(PodPullState.of(null, IMAGE)).isEqualTo(State.NOT_FAILING);
  }

  @Test
  void aPodTheKubeletHasNotWrittenYetIsLookedAtAgain() {
    assertThat(PodPullState.of(pod(), IMAGE)).isEqualTo(State.UNSETTLED);
    assertThat(PodPullState.of(pod(waiting("ContainerCreating")), IMAGE))
        .isEqualTo(State.UNSETTLED);
  }

  @Test
  void anEventMayOnlyNameAPodOfItsOwnNamespaceWithAValidName() {
    assertThat(PodPullState.plausible("team-a", "team-a", "api-7d9f-x2")).isTrue();
    assertThat(PodPullState.plausible("team-a", "team-b", "api")).as("another namespace").isFalse();
    assertThat(PodPullState.plausible("team-a", "team-a", "../../secrets/x")).isFalse();
    assertThat(PodPullState.plausible("team-a", "team-a", "a\nb")).isFalse();
    assertThat(PodPullState.plausible("team-a", "team-a", "a".repeat(254))).isFalse();
    assertThat(PodPullState.plausible("team-a", "team-a", null)).isFalse();
    assertThat(PodPullState.plausible(null, null, "api")).isFalse();
  }
}
