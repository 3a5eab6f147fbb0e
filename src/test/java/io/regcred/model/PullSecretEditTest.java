package io.regcred.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.regcred.Annotations;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PullSecretEditTest {

  private static final String OURS = "regcred";

  private static ServiceAccount sa(Map<String, String> annotations, String... pullSecrets) {
    return new ServiceAccountBuilder()
        .withNewMetadata()
        .withName("default")
        .withNamespace("team-a")
        .withResourceVersion("42")
        .withAnnotations(annotations == null ? null : new LinkedHashMap<>(annotations))
        .endMetadata()
        .withImagePullSecrets(Arrays.stream(pullSecrets).map(LocalObjectReference::new).toList())
        .build();
  }

  private static List<String> names(ServiceAccount sa) {
    return sa.getImagePullSecrets() == null
        ? List.of()
        : sa.getImagePullSecrets().stream().map(LocalObjectReference::getName).toList();
  }

  private static String addedAnnotation(ServiceAccount sa) {
    var annotations = sa.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(Annotations.ADDED_PULL_SECRETS);
  }

  @Test
  void addAppendsOurEntryAfterTheOthersAndRecordsIt() {
    ServiceAccount input = sa(Map.of("team", "a"), "zeta", "alpha");

    ServiceAccount result = PullSecretEdit.add(input, OURS).orElseThrow();

    assertThat(names(result)).containsExactly("zeta", "alpha", OURS);
    assertThat(addedAnnotation(result)).isEqualTo(OURS);
    assertThat(result.getMetadata().getAnnotations()).containsEntry("team", "a");
    assertThat(result.getMetadata().getResourceVersion()).isEqualTo("42");
    assertThat(PullSecretEdit.added(result)).containsExactly(OURS);
    assertThat(PullSecretEdit.references(result, OURS)).isTrue();
  }

  @Test
  void addToAServiceAccountWithoutEntriesOrAnnotations() {
    ServiceAccount input = sa(null);
    input.setImagePullSecrets(null);

    ServiceAccount result = PullSecretEdit.add(input, OURS).orElseThrow();

    assertThat(names(result)).containsExactly(OURS);
    assertThat(addedAnnotation(result)).isEqualTo(OURS);
  }

  @Test
  void addKeepsNamesWeAddedBefore() {
    ServiceAccount input = sa(Map.of(Annotations.ADDED_PULL_SECRETS, "first"), "first");

    ServiceAccount result = PullSecretEdit.add(input, OURS).orElseThrow();

    assertThat(names(result)).containsExactly("first", OURS);
    assertThat(PullSecretEdit.added(result)).containsExactly("first", OURS);
    assertThat(addedAnnotation(result)).isEqualTo("first," + OURS);
  }

  @Test
  void addIsEmptyWhenAlreadyReferencedAndDoesNotClaimTheEntry() {
    ServiceAccount input = sa(null, "other", OURS);

    assertThat(PullSecretEdit.add(input, OURS)).isEmpty();
    assertThat(PullSecretEdit.added(input)).isEmpty();
    // Since add did not claim it, a later remove leaves the entry alone.
    assertThat(PullSecretEdit.remove(input, OURS)).isEmpty();
  }

  @Test
  void removeDropsOnlyOurEntryAndKeepsOrder() {
    ServiceAccount input =
        sa(Map.of(Annotations.ADDED_PULL_SECRETS, OURS, "team", "a"), "zeta", OURS, "alpha");

    ServiceAccount result = PullSecretEdit.remove(input, OURS).orElseThrow();

    assertThat(names(result)).containsExactly("zeta", "alpha");
    assertThat(result.getMetadata().getAnnotations())
        .doesNotContainKey(Annotations.ADDED_PULL_SECRETS)
        .containsEntry("team", "a");
    assertThat(result.getMetadata().getResourceVersion()).isEqualTo("42");
  }

  @Test
  void removeKeepsOtherNamesWeAdded() {
    ServiceAccount input =
        sa(Map.of(Annotations.ADDED_PULL_SECRETS, "first, " + OURS), "first", OURS);

    ServiceAccount result = PullSecretEdit.remove(input, OURS).orElseThrow();

    assertThat(names(result)).containsExactly("first");
    assertThat(addedAnnotation(result)).isEqualTo("first");
  }

  @Test
  void removeLeavesAnEntrySomeoneElseAdded() {
    ServiceAccount input = sa(Map.of(Annotations.ADDED_PULL_SECRETS, "another"), "another", OURS);

    assertThat(PullSecretEdit.remove(input, OURS)).isEmpty();
  }

  @Test
  void removeOfAnAlreadyGoneEntryOnlyClearsTheRecord() {
    ServiceAccount input = sa(Map.of(Annotations.ADDED_PULL_SECRETS, OURS), "other");

    ServiceAccount result = PullSecretEdit.remove(input, OURS).orElseThrow();

    assertThat(names(result)).containsExactly("other");
    assertThat(addedAnnotation(result)).isNull();
  }

  @Test
  void addThenRemoveRestoresTheEntries() {
    ServiceAccount input = sa(Map.of("team", "a"), "zeta", "alpha");

    ServiceAccount added = PullSecretEdit.add(input, OURS).orElseThrow();
    ServiceAccount removed = PullSecretEdit.remove(added, OURS).orElseThrow();

    assertThat(names(removed)).containsExactly("zeta", "alpha");
    assertThat(removed.getMetadata().getAnnotations()).containsExactly(Map.entry("team", "a"));
  }

  @Test
  void inputIsNotMutated() {
    ServiceAccount forAdd = sa(Map.of("team", "a"), "zeta");
    ServiceAccount forAddSnapshot = new ServiceAccountBuilder(forAdd).build();
    ServiceAccount forRemove = sa(Map.of(Annotations.ADDED_PULL_SECRETS, OURS), "zeta", OURS);
    ServiceAccount forRemoveSnapshot = new ServiceAccountBuilder(forRemove).build();

    PullSecretEdit.add(forAdd, OURS).orElseThrow();
    PullSecretEdit.remove(forRemove, OURS).orElseThrow();

    assertThat(forAdd).isEqualTo(forAddSnapshot);
    assertThat(names(forAdd)).containsExactly("zeta");
    assertThat(forAdd.getMetadata().getAnnotations())
        .doesNotContainKey(Annotations.ADDED_PULL_SECRETS);
    assertThat(forRemove).isEqualTo(forRemoveSnapshot);
    assertThat(names(forRemove)).containsExactly("zeta", OURS);
    assertThat(addedAnnotation(forRemove)).isEqualTo(OURS);
  }

  @Test
  void theCachedCopyKeepsOnlyWhatDecisionsRead() {
    var full =
        new io.fabric8.kubernetes.api.model.ServiceAccountBuilder()
            .withNewMetadata()
            .withName("default")
            .withNamespace("team")
            .withLabels(java.util.Map.of("team", "a"))
            .withAnnotations(
                java.util.Map.of(
                    "tenant/blob",
                    "x".repeat(250_000),
                    io.regcred.Annotations.ADDED_PULL_SECRETS,
                    "regcred"))
            .addNewOwnerReference()
            .withUid("u".repeat(60_000))
            .endOwnerReference()
            .endMetadata()
            .addNewImagePullSecret("theirs")
            .addNewImagePullSecret("p".repeat(60_000))
            .addNewSecret()
            .withName("q".repeat(60_000))
            .endSecret()
            .build();

    var kept = PullSecretEdit.observed(full);

    assertThat(kept.getMetadata().getLabels()).containsEntry("team", "a");
    // An entry was left out, so the copy says it is incomplete.
    assertThat(kept.getMetadata().getAnnotations())
        .containsOnlyKeys(
            io.regcred.Annotations.ADDED_PULL_SECRETS, io.regcred.Annotations.OBSERVED_INCOMPLETE);
    assertThat(kept.getMetadata().getOwnerReferences()).isNullOrEmpty();
    assertThat(kept.getSecrets()).isNullOrEmpty();
    assertThat(kept.getImagePullSecrets()).extracting(r -> r.getName()).containsExactly("theirs");
    assertThat(PullSecretEdit.added(kept)).containsExactly("regcred");
    assertThat(io.fabric8.kubernetes.client.utils.Serialization.asJson(kept)).hasSizeLessThan(2048);
  }

  @Test
  void aMergePatchFromTheCacheCarriesTheWholeListOurAnnotationAndTheCachedVersion() {
    var cached = PullSecretEdit.observed(sa(Map.of("team", "a"), "theirs"));

    var patch = PullSecretEdit.mergePatch(PullSecretEdit.add(cached, OURS).orElseThrow());

    assertThat(patch)
        .contains(
            Map.of(
                "metadata",
                Map.of(
                    "resourceVersion",
                    "42",
                    "annotations",
                    Map.of(Annotations.ADDED_PULL_SECRETS, OURS)),
                "imagePullSecrets",
                List.of(Map.of("name", "theirs"), Map.of("name", OURS))));
  }

  @Test
  void removingOurLastEntryDeletesOurAnnotationInThePatch() {
    var cached =
        PullSecretEdit.observed(sa(Map.of(Annotations.ADDED_PULL_SECRETS, OURS), "theirs", OURS));

    var patch =
        PullSecretEdit.mergePatch(PullSecretEdit.remove(cached, OURS).orElseThrow()).orElseThrow();

    @SuppressWarnings("unchecked")
    var annotations =
        (Map<String, Object>) ((Map<String, Object>) patch.get("metadata")).get("annotations");
    assertThat(annotations).containsEntry(Annotations.ADDED_PULL_SECRETS, null).hasSize(1);
    assertThat(patch.get("imagePullSecrets")).isEqualTo(List.of(Map.of("name", "theirs")));
  }

  @Test
  void noPatchFromACopyThatLeftSomethingOut() {
    ServiceAccount oddEntry = sa(null, "theirs");
    oddEntry.getImagePullSecrets().add(new LocalObjectReference());
    ServiceAccount longAnnotation =
        sa(Map.of(Annotations.ADDED_PULL_SECRETS, "x".repeat(PullSecretEdit.MAX_ADDED + 1)));

    for (ServiceAccount full : List.of(oddEntry, longAnnotation)) {
      var cached = PullSecretEdit.observed(full);
      assertThat(PullSecretEdit.mergePatch(PullSecretEdit.add(cached, OURS).orElseThrow()))
          .as("a write from this copy would drop what it left out")
          .isEmpty();
    }
    // A complete copy does give a patch.
    var complete = PullSecretEdit.observed(sa(null, "theirs"));
    assertThat(PullSecretEdit.mergePatch(PullSecretEdit.add(complete, OURS).orElseThrow()))
        .isPresent();
  }
}
