package io.regcred.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.regcred.Annotations;
import io.regcred.Labels;
import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import io.regcred.api.v1alpha1.DeletionPolicy;
import io.regcred.testing.Credentials;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ManagedSecretTest {

  private static final Instant ISSUED = Instant.parse("2025-01-02T03:04:05Z");
  private static final Instant EXPIRES = Instant.parse("2025-01-02T15:04:05Z");
  private static final String EXPECTED_JSON =
      "{\"auths\":{\"quay.io\":{\"username\":\"u\",\"password\":\"p\",\"auth\":\"dTpw\"}}}";

  private static Credentials quay() {
    return Credentials.named("quay").uid("uid-1");
  }

  private static ClusterRegistryCredential credential() {
    return quay().build();
  }

  private static RegistryToken token(String password) {
    return RegistryToken.permanent(List.of(new RegistryAuth("quay.io", "u", password)), ISSUED);
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  /** The desired Secret as the API server would return it: with server-set fields and extras. */
  private static Secret stored(Secret desired) {
    Map<String, String> annotations = new HashMap<>(desired.getMetadata().getAnnotations());
    annotations.put("kubectl.kubernetes.io/last-applied-configuration", "{}");
    Map<String, String> labels = new HashMap<>(desired.getMetadata().getLabels());
    labels.put("team", "a");
    return new SecretBuilder(desired)
        .editMetadata()
        .withResourceVersion("7")
        .withUid("secret-uid")
        .withCreationTimestamp("2025-01-01T00:00:00Z")
        .withLabels(labels)
        .withAnnotations(annotations)
        .endMetadata()
        .build();
  }

  @Test
  void desiredIsADockerConfigJsonSecretWithOurLabelsAndHash() {
    Secret s = ManagedSecret.desired(credential(), "team-a", token("p"), "src-hash");

    assertThat(s.getType()).isEqualTo("kubernetes.io/dockerconfigjson");
    assertThat(s.getMetadata().getName()).isEqualTo("quay");
    assertThat(s.getMetadata().getNamespace()).isEqualTo("team-a");
    assertThat(s.getMetadata().getLabels())
        .containsOnly(
            Map.entry("app.kubernetes.io/managed-by", "regcred-operator"),
            Map.entry("regcred.io/credential", "quay"));
    assertThat(s.getData()).containsOnly(Map.entry(".dockerconfigjson", b64(EXPECTED_JSON)));
    assertThat(s.getMetadata().getAnnotations())
        .containsEntry("regcred.io/content-hash", ManagedSecret.sha256(EXPECTED_JSON))
        .containsEntry(Annotations.SOURCE_HASH, "src-hash")
        .doesNotContainKeys(Annotations.EXPIRES_AT, Annotations.ISSUED_AT);
    assertThat(s.getMetadata().getAnnotations().get(Annotations.CONTENT_HASH))
        .matches("[0-9a-f]{64}");
  }

  @Test
  void desiredUsesTargetSecretName() {
    Secret s =
        ManagedSecret.desired(quay().secretName("pull-secret").build(), "ns", token("p"), "h");

    assertThat(s.getMetadata().getName()).isEqualTo("pull-secret");
    assertThat(s.getMetadata().getLabels()).containsEntry(Labels.CREDENTIAL, "quay");
  }

  @Test
  void desiredRecordsExpiryOfExpiringTokens() {
    RegistryToken expiring =
        new RegistryToken(
            List.of(new RegistryAuth("quay.io", "u", "p")), ISSUED, Optional.of(EXPIRES));

    Secret s = ManagedSecret.desired(credential(), "ns", expiring, "h");

    assertThat(s.getMetadata().getAnnotations())
        .containsEntry(Annotations.ISSUED_AT, "2025-01-02T03:04:05Z")
        .containsEntry(Annotations.EXPIRES_AT, "2025-01-02T15:04:05Z");
  }

  @Test
  void desiredIsOwnedByTheCredentialUnlessRetained() {
    for (DeletionPolicy policy : new DeletionPolicy[] {null, DeletionPolicy.Delete}) {
      Secret s =
          ManagedSecret.desired(quay().deletionPolicy(policy).build(), "ns", token("p"), "h");

      assertThat(s.getMetadata().getOwnerReferences()).hasSize(1);
      OwnerReference owner = s.getMetadata().getOwnerReferences().get(0);
      assertThat(owner.getApiVersion()).isEqualTo("regcred.io/v1alpha1");
      assertThat(owner.getKind()).isEqualTo("ClusterRegistryCredential");
      assertThat(owner.getName()).isEqualTo("quay");
      assertThat(owner.getUid()).isEqualTo("uid-1");
      assertThat(owner.getController()).isTrue();
      assertThat(owner.getBlockOwnerDeletion()).isFalse();
    }

    Secret retained =
        ManagedSecret.desired(
            quay().deletionPolicy(DeletionPolicy.Retain).build(), "ns", token("p"), "h");
    assertThat(retained.getMetadata().getOwnerReferences()).isNullOrEmpty();
  }

  @Test
  void upToDateForIdenticalAndForStoredCopyWithExtras() {
    Secret desired = ManagedSecret.desired(credential(), "ns", token("p"), "h");

    assertThat(
            ManagedSecret.upToDate(
                desired, ManagedSecret.desired(credential(), "ns", token("p"), "h")))
        .isTrue();
    assertThat(ManagedSecret.upToDate(stored(desired), desired)).isTrue();
  }

  @Test
  void notUpToDateWhenDataChanges() {
    Secret existing = stored(ManagedSecret.desired(credential(), "ns", token("p"), "h"));

    assertThat(
            ManagedSecret.upToDate(
                existing, ManagedSecret.desired(credential(), "ns", token("rotated"), "h")))
        .isFalse();
  }

  @Test
  void notUpToDateWhenSourceHashOrLabelsDiffer() {
    Secret desired = ManagedSecret.desired(credential(), "ns", token("p"), "h");
    Secret unlabelled =
        new SecretBuilder(desired).editMetadata().withLabels(Map.of()).endMetadata().build();

    assertThat(
            ManagedSecret.upToDate(
                stored(desired), ManagedSecret.desired(credential(), "ns", token("p"), "other")))
        .isFalse();
    assertThat(ManagedSecret.upToDate(unlabelled, desired)).isFalse();
  }

  @Test
  void notUpToDateWhenOwnerReferencesDiffer() {
    Secret owned =
        ManagedSecret.desired(
            quay().deletionPolicy(DeletionPolicy.Delete).build(), "ns", token("p"), "h");
    Secret retained =
        ManagedSecret.desired(
            quay().deletionPolicy(DeletionPolicy.Retain).build(), "ns", token("p"), "h");
    Secret recreated =
        ManagedSecret.desired(
            quay().uid("uid-2").deletionPolicy(DeletionPolicy.Delete).build(),
            "ns",
            token("p"),
            "h");

    assertThat(ManagedSecret.upToDate(owned, retained)).isFalse();
    assertThat(ManagedSecret.upToDate(retained, owned)).isFalse();
    assertThat(ManagedSecret.upToDate(owned, recreated)).isFalse();
  }

  @Test
  void replacementIsExactlyTheDesiredSecretAtTheFoundVersion() {
    Secret existing =
        stored(
            ManagedSecret.desired(
                quay().deletionPolicy(DeletionPolicy.Retain).build(), "ns", token("p"), "h"));
    Secret desired = ManagedSecret.desired(credential(), "ns", token("rotated"), "h2");

    Secret replacement = ManagedSecret.replacement(ManagedSecret.observed(existing), desired);

    assertThat(replacement.getMetadata().getResourceVersion()).isEqualTo("7");
    assertThat(replacement.getMetadata().getLabels()).isEqualTo(desired.getMetadata().getLabels());
    assertThat(replacement.getMetadata().getAnnotations())
        .isEqualTo(desired.getMetadata().getAnnotations())
        .doesNotContainKey(Annotations.OBSERVED_FINGERPRINT);
    assertThat(replacement.getMetadata().getOwnerReferences())
        .isEqualTo(desired.getMetadata().getOwnerReferences());
    assertThat(replacement.getType()).isEqualTo(desired.getType());
    assertThat(replacement.getData()).isEqualTo(desired.getData());
    assertThat(ManagedSecret.upToDate(replacement, desired)).isTrue();
  }

  @Test
  void aStaticTokenDropsTheExpiryAnnotationsOfAnEarlierExpiringOne() {
    RegistryToken expiring =
        new RegistryToken(
            List.of(new RegistryAuth("quay.io", "AWS", "old")), ISSUED, Optional.of(EXPIRES));
    Secret existing = stored(ManagedSecret.desired(credential(), "ns", expiring, "ecr"));
    Secret desired = ManagedSecret.desired(credential(), "ns", token("p"), "static");

    assertThat(ManagedSecret.upToDate(ManagedSecret.observed(existing), desired)).isFalse();
    assertThat(ManagedSecret.replacement(existing, desired).getMetadata().getAnnotations())
        .doesNotContainKeys(Annotations.EXPIRES_AT, Annotations.ISSUED_AT);
  }

  @Test
  void observedKeepsNoDataAndNothingATenantAddedButStillComparesTheData() {
    Secret desired = ManagedSecret.desired(credential(), "ns", token("p"), "h");
    Secret bloated = stored(desired);
    bloated.getMetadata().getAnnotations().put("tenant/blob", "x".repeat(200_000));
    bloated.getMetadata().getLabels().put("tenant", "y");

    Secret observed = ManagedSecret.observed(bloated);

    assertThat(observed.getData()).isNullOrEmpty();
    assertThat(observed.getMetadata().getLabels()).isEqualTo(desired.getMetadata().getLabels());
    assertThat(observed.getMetadata().getAnnotations())
        .containsAllEntriesOf(desired.getMetadata().getAnnotations())
        .containsKey(Annotations.OBSERVED_FINGERPRINT)
        .hasSize(desired.getMetadata().getAnnotations().size() + 1);
    // Other keys on the Secret are not ours to fight over (webhooks add their own).
    assertThat(ManagedSecret.upToDate(observed, desired)).isTrue();

    Secret tampered = stored(desired);
    tampered.setData(Map.of(".dockerconfigjson", b64("{\"auths\":{}}")));
    assertThat(ManagedSecret.upToDate(ManagedSecret.observed(tampered), desired)).isFalse();
  }

  @Test
  void observedKeepsNoLongValueATenantChose() {
    Secret huge =
        new SecretBuilder()
            .withNewMetadata()
            .withName("quay")
            .withNamespace("ns")
            .withLabels(
                Map.of(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE, Labels.CREDENTIAL, "quay"))
            .withAnnotations(Map.of(Annotations.CONTENT_HASH, "h".repeat(200_000)))
            .addNewOwnerReference()
            .withApiVersion("v1")
            .withKind("K".repeat(200_000))
            .withName("n".repeat(300_000))
            .withUid("u".repeat(60_000))
            .withController(true)
            .endOwnerReference()
            .endMetadata()
            .withType("t".repeat(400_000))
            .build();

    Secret observed = ManagedSecret.observed(huge);

    assertThat(io.fabric8.kubernetes.client.utils.Serialization.asJson(observed))
        .hasSizeLessThan(2048);
    assertThat(ManagedSecret.claim(observed, credential())).isEqualTo(ManagedSecret.Claim.FOREIGN);
  }

  @Test
  void aFingerprintAnnotationWrittenByATenantIsRecomputed() {
    Secret desired = ManagedSecret.desired(credential(), "ns", token("p"), "h");
    Secret forged = stored(desired);
    forged.setData(Map.of(".dockerconfigjson", b64("{\"auths\":{}}")));
    forged
        .getMetadata()
        .getAnnotations()
        .put(
            Annotations.OBSERVED_FINGERPRINT,
            ManagedSecret.observed(desired)
                .getMetadata()
                .getAnnotations()
                .get(Annotations.OBSERVED_FINGERPRINT));

    assertThat(ManagedSecret.upToDate(ManagedSecret.observed(forged), desired)).isFalse();
  }

  @Test
  void immutableOrRetypedCopiesAreNotUpToDate() {
    Secret desired = ManagedSecret.desired(credential(), "ns", token("p"), "h");
    Secret immutable = new SecretBuilder(stored(desired)).withImmutable(true).build();

    assertThat(ManagedSecret.upToDate(ManagedSecret.observed(immutable), desired)).isFalse();
  }

  /** One row of the claim table: what stands in the target name's place, and whose it is. */
  private record ClaimCase(String name, Secret found, ManagedSecret.Claim expected) {}

  @Test
  void claimDecidesWhoseSecretStandsInOurPlace() {
    Secret ours = stored(ManagedSecret.desired(credential(), "ns", token("p"), "h"));
    Secret retained =
        stored(
            ManagedSecret.desired(
                quay().deletionPolicy(DeletionPolicy.Retain).build(), "ns", token("p"), "h"));
    Secret otherUid =
        stored(
            ManagedSecret.desired(
                quay().uid("uid-old").deletionPolicy(DeletionPolicy.Delete).build(),
                "ns",
                token("p"),
                "h"));
    Secret stripped =
        new SecretBuilder(ours).editMetadata().withLabels(Map.of()).endMetadata().build();
    Secret foreign =
        new SecretBuilder()
            .withNewMetadata()
            .withName("quay")
            .endMetadata()
            .withType("kubernetes.io/dockerconfigjson")
            .build();
    Secret otherManager =
        new SecretBuilder(foreign)
            .editMetadata()
            .withLabels(Map.of(Labels.MANAGED_BY, "helm", Labels.CREDENTIAL, "quay"))
            .endMetadata()
            .build();
    Secret otherCredential =
        new SecretBuilder(retained)
            .editMetadata()
            .addToLabels(Labels.CREDENTIAL, "other")
            .endMetadata()
            .build();
    Secret opaqueWithOurLabels = new SecretBuilder(retained).withType("Opaque").build();
    Secret immutableOurs = new SecretBuilder(ours).withImmutable(true).build();

    var cases =
        List.of(
            new ClaimCase("our controller reference", ours, ManagedSecret.Claim.OURS),
            new ClaimCase("our labels, no owner (Retain)", retained, ManagedSecret.Claim.OURS),
            new ClaimCase("labels stripped, our owner", stripped, ManagedSecret.Claim.OURS),
            new ClaimCase("our labels, another UID", otherUid, ManagedSecret.Claim.FOREIGN),
            new ClaimCase("no marks at all", foreign, ManagedSecret.Claim.FOREIGN),
            new ClaimCase("another manager", otherManager, ManagedSecret.Claim.FOREIGN),
            new ClaimCase("another credential", otherCredential, ManagedSecret.Claim.FOREIGN),
            new ClaimCase(
                "Opaque, our labels", opaqueWithOurLabels, ManagedSecret.Claim.WRONG_TYPE),
            new ClaimCase("immutable, ours", immutableOurs, ManagedSecret.Claim.IMMUTABLE));
    for (ClaimCase c : cases) {
      assertThat(ManagedSecret.claim(ManagedSecret.observed(c.found()), credential()))
          .as(c.name())
          .isEqualTo(c.expected());
    }
  }

  /** A namespaced credential of the same name, in namespace ns. */
  private static CredentialRef namespacedQuay(String uid, boolean retain) {
    return new CredentialRef(
        "ns/quay",
        "quay",
        "regcred.io/v1alpha1",
        "RegistryCredential",
        uid,
        Labels.NAMESPACED_CREDENTIAL,
        "quay",
        null,
        retain);
  }

  @Test
  void aSecretOfOneKindIsNeverClaimedByTheOtherKindsCredentialOfTheSameName() {
    Secret clusterRetained =
        stored(
            ManagedSecret.desired(
                quay().deletionPolicy(DeletionPolicy.Retain).build(), "ns", token("p"), "h"));
    Secret namespacedRetained =
        stored(ManagedSecret.desired(namespacedQuay("uid-n", true), "ns", token("p"), "h"));

    assertThat(namespacedRetained.getMetadata().getLabels())
        .containsEntry(Labels.NAMESPACED_CREDENTIAL, "quay")
        .doesNotContainKey(Labels.CREDENTIAL);
    // Labels alone decide without an owner: each kind reads only its own label.
    assertThat(
            ManagedSecret.claim(
                ManagedSecret.observed(clusterRetained), namespacedQuay("uid-n", true)))
        .isEqualTo(ManagedSecret.Claim.FOREIGN);
    assertThat(ManagedSecret.claim(ManagedSecret.observed(namespacedRetained), credential()))
        .isEqualTo(ManagedSecret.Claim.FOREIGN);
    assertThat(
            ManagedSecret.claim(
                ManagedSecret.observed(namespacedRetained), namespacedQuay("uid-other", true)))
        .as("the cache keeps the namespaced label, so a retained Secret stays claimable")
        .isEqualTo(ManagedSecret.Claim.OURS);
    // With an owner, the UID decides.
    Secret namespacedOwned =
        stored(ManagedSecret.desired(namespacedQuay("uid-n", false), "ns", token("p"), "h"));
    assertThat(namespacedOwned.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(o -> assertThat(o.getKind()).isEqualTo("RegistryCredential"));
    assertThat(
            ManagedSecret.claim(
                ManagedSecret.observed(namespacedOwned), namespacedQuay("uid-other", false)))
        .isEqualTo(ManagedSecret.Claim.FOREIGN);
    assertThat(
            ManagedSecret.upToDate(
                ManagedSecret.observed(namespacedOwned),
                ManagedSecret.desired(namespacedQuay("uid-n", false), "ns", token("p"), "h")))
        .as("what the cache keeps compares equal to what is desired: no write loop")
        .isTrue();
  }

  @Test
  void onlySecretsWithOurOwnerReferenceAreRemovable() {
    Secret ours = ManagedSecret.desired(credential(), "ns", token("p"), "h");
    Secret labelledOnly =
        ManagedSecret.desired(
            quay().deletionPolicy(DeletionPolicy.Retain).build(), "ns", token("p"), "h");

    assertThat(ManagedSecret.removable(ours, credential())).isTrue();
    assertThat(ManagedSecret.removable(labelledOnly, credential())).isFalse();
    assertThat(ManagedSecret.removable(ours, quay().uid("uid-2").build())).isFalse();
  }

  @Test
  void sha256IsLowerCaseHex() {
    assertThat(ManagedSecret.sha256("abc"))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }
}
