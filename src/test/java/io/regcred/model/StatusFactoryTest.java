package io.regcred.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.regcred.api.v1alpha1.RegistryCredentialStatus;
import io.regcred.api.v1alpha1.RegistryCredentialStatus.NamespaceCounts;
import io.regcred.api.v1alpha1.RegistryCredentialStatus.SyncFailure;
import io.regcred.model.StatusFactory.SourceState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class StatusFactoryTest {

  private static final Instant T0 = Instant.parse("2025-03-01T10:00:00Z");
  private static final Instant T1 = Instant.parse("2025-03-01T11:00:00Z");
  private static final Instant T2 = Instant.parse("2025-03-01T12:00:00Z");
  private static final Instant EXPIRY = Instant.parse("2025-03-01T22:00:00Z");
  private static final Instant NEXT = Instant.parse("2025-03-01T16:00:00Z");

  private static final SourceState OK = SourceState.available("token fetched", Optional.empty());

  private static SyncReport synced(int targeted) {
    return new SyncReport(targeted, targeted, List.of(), false, 0);
  }

  private static SyncFailure failure(String ns, String reason) {
    return new SyncFailure(ns, reason, "could not write Secret in " + ns);
  }

  private static RegistryCredentialStatus build(
      RegistryCredentialStatus prev, SourceState source, SyncReport sync, Instant now) {
    return StatusFactory.build(
        prev, 3, "static", source, sync, Optional.empty(), Optional.empty(), now);
  }

  private static Condition condition(RegistryCredentialStatus status, ConditionType type) {
    return status.getConditions().stream()
        .filter(c -> type.name().equals(c.getType()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no condition " + type));
  }

  private static void assertCondition(
      RegistryCredentialStatus status, ConditionType type, String value, String reason) {
    Condition c = condition(status, type);
    assertThat(c.getStatus()).as(type + " status").isEqualTo(value);
    assertThat(c.getReason()).as(type + " reason").isEqualTo(reason);
  }

  @Test
  void successMakesEveryConditionTrue() {
    RegistryCredentialStatus status =
        StatusFactory.build(
            null,
            3,
            "ecr",
            SourceState.available("token fetched", Optional.of(EXPIRY)),
            new SyncReport(2, 2, List.of(), true, 2),
            Optional.of(NEXT),
            Optional.empty(),
            T0);

    assertThat(status.getConditions())
        .extracting(Condition::getType)
        .containsExactly("Ready", "SourceAvailable", "Synced");
    assertCondition(status, ConditionType.Ready, "True", "Ready");
    assertCondition(status, ConditionType.SourceAvailable, "True", "CredentialAvailable");
    assertCondition(status, ConditionType.Synced, "True", "AllNamespacesSynced");
    assertThat(condition(status, ConditionType.SourceAvailable).getMessage())
        .isEqualTo("token fetched");
    assertThat(condition(status, ConditionType.Synced).getMessage()).contains("2");
    assertThat(status.getConditions())
        .allSatisfy(
            c -> {
              assertThat(c.getObservedGeneration()).isEqualTo(3L);
              assertThat(c.getLastTransitionTime()).isEqualTo("2025-03-01T10:00:00Z");
            });
    assertThat(status.getObservedGeneration()).isEqualTo(3L);
    assertThat(status.getSourceKind()).isEqualTo("ecr");
    assertThat(status.getNamespaces()).isEqualTo(new NamespaceCounts(2, 2, 0, "2/2"));
    assertThat(status.getFailures()).isEmpty();
    assertThat(status.getExpiresAt()).isEqualTo("2025-03-01T22:00:00Z");
    assertThat(status.getNextRefreshTime()).isEqualTo("2025-03-01T16:00:00Z");
    assertThat(status.getLastRotationTime()).isEqualTo("2025-03-01T10:00:00Z");
  }

  @Test
  void partialFailureIsSyncFailed() {
    var sync =
        new SyncReport(
            3, 1, List.of(failure("zeta", "Forbidden"), failure("alpha", "Conflict")), false, 1);

    RegistryCredentialStatus status = build(null, OK, sync, T0);

    assertCondition(status, ConditionType.SourceAvailable, "True", "CredentialAvailable");
    assertCondition(status, ConditionType.Synced, "False", "SyncFailed");
    assertCondition(status, ConditionType.Ready, "False", "SyncFailed");
    assertThat(condition(status, ConditionType.Synced).getMessage())
        .contains("2 of 3")
        .contains("alpha: could not write Secret in alpha");
    assertThat(condition(status, ConditionType.Ready).getMessage())
        .isEqualTo(condition(status, ConditionType.Synced).getMessage());
    assertThat(status.getNamespaces()).isEqualTo(new NamespaceCounts(3, 1, 2, "1/3"));
    assertThat(status.getFailures())
        .extracting(SyncFailure::namespace)
        .containsExactly("alpha", "zeta");
  }

  @Test
  void onlySecretsInOurPlaceIsReasonConflict() {
    var sync =
        new SyncReport(
            2, 0, List.of(failure("b", "Conflict"), failure("a", "SecretImmutable")), false, 0);

    RegistryCredentialStatus status = build(null, OK, sync, T0);

    assertCondition(status, ConditionType.Synced, "False", "Conflict");
    assertCondition(status, ConditionType.Ready, "False", "Conflict");
    assertThat(status.getNamespaces().summary()).isEqualTo("0/2");
  }

  @Test
  void noTargetNamespaces() {
    RegistryCredentialStatus status = build(null, OK, synced(0), T0);

    assertCondition(status, ConditionType.Synced, "True", "NoTargetNamespaces");
    assertCondition(status, ConditionType.Ready, "True", "Ready");
    assertThat(condition(status, ConditionType.Synced).getMessage()).contains("no namespace");
    assertThat(status.getNamespaces()).isEqualTo(new NamespaceCounts(0, 0, 0, "0/0"));
  }

  @Test
  void sourceFailureKeepsPreviousSyncState() {
    RegistryCredentialStatus prev =
        build(null, OK, new SyncReport(3, 2, List.of(failure("c", "Forbidden")), true, 2), T0);

    RegistryCredentialStatus status =
        StatusFactory.build(
            prev,
            4,
            "static",
            SourceState.failed("SourceSecretNotFound", "Secret regcred/x not found"),
            null,
            Optional.empty(),
            Optional.empty(),
            T1);

    assertThat(status.getObservedGeneration()).isEqualTo(4L);
    assertThat(status.getNamespaces()).isEqualTo(new NamespaceCounts(3, 2, 1, "2/3"));
    assertThat(status.getFailures()).isEqualTo(prev.getFailures());
    assertThat(status.getLastRotationTime()).isEqualTo("2025-03-01T10:00:00Z");
    assertThat(condition(status, ConditionType.Synced))
        .isEqualTo(condition(prev, ConditionType.Synced));
    assertCondition(status, ConditionType.SourceAvailable, "False", "SourceSecretNotFound");
    assertCondition(status, ConditionType.Ready, "False", "SourceSecretNotFound");
    assertThat(condition(status, ConditionType.Ready).getMessage())
        .isEqualTo("Secret regcred/x not found");
    assertThat(condition(status, ConditionType.SourceAvailable).getLastTransitionTime())
        .isEqualTo("2025-03-01T11:00:00Z");
    assertThat(condition(status, ConditionType.SourceAvailable).getObservedGeneration())
        .isEqualTo(4L);
  }

  @Test
  void sourceFailureWithoutHistoryReportsNothingSynced() {
    RegistryCredentialStatus status =
        build(null, SourceState.failed("SourceSecretInvalid", "bad"), null, T0);

    assertCondition(status, ConditionType.Synced, "False", "SourceUnavailable");
    assertCondition(status, ConditionType.Ready, "False", "SourceSecretInvalid");
    assertCondition(status, ConditionType.SourceAvailable, "False", "SourceSecretInvalid");
    assertThat(status.getNamespaces()).isNull();
  }

  @Test
  void lastTransitionTimeMovesOnlyWhenStatusChanges() {
    RegistryCredentialStatus first = build(null, OK, synced(2), T0);
    RegistryCredentialStatus same = build(first, OK, synced(0), T1);

    assertThat(same.getConditions())
        .extracting(Condition::getLastTransitionTime)
        .containsOnly("2025-03-01T10:00:00Z");
    assertCondition(same, ConditionType.Synced, "True", "NoTargetNamespaces");

    RegistryCredentialStatus failing =
        build(same, OK, new SyncReport(2, 1, List.of(failure("a", "Forbidden")), false, 0), T2);

    assertThat(condition(failing, ConditionType.SourceAvailable).getLastTransitionTime())
        .isEqualTo("2025-03-01T10:00:00Z");
    assertThat(condition(failing, ConditionType.Synced).getLastTransitionTime())
        .isEqualTo("2025-03-01T12:00:00Z");
    assertThat(condition(failing, ConditionType.Ready).getLastTransitionTime())
        .isEqualTo("2025-03-01T12:00:00Z");
  }

  @Test
  void identicalInputsGiveAnEqualStatus() {
    RegistryCredentialStatus first = build(null, OK, synced(2), T0);

    assertThat(build(first, OK, synced(2), T1)).isEqualTo(first);
  }

  @Test
  void failuresAreSortedAndBoundedWhileCountsCoverAll() {
    int failed = StatusFactory.MAX_FAILURES + 5;
    List<SyncFailure> failures = new ArrayList<>();
    IntStream.range(0, failed)
        .map(i -> failed - 1 - i)
        .forEach(i -> failures.add(failure("ns-%03d".formatted(i), "Forbidden")));
    var sync = new SyncReport(failed + 7, 7, failures, false, 0);

    RegistryCredentialStatus status = build(null, OK, sync, T0);

    assertThat(status.getFailures()).hasSize(StatusFactory.MAX_FAILURES);
    assertThat(status.getFailures())
        .extracting(SyncFailure::namespace)
        .isSorted()
        .startsWith("ns-000")
        .endsWith("ns-%03d".formatted(StatusFactory.MAX_FAILURES - 1));
    assertThat(status.getNamespaces())
        .isEqualTo(new NamespaceCounts(failed + 7, 7, failed, "7/" + (failed + 7)));
    assertThat(condition(status, ConditionType.Synced).getMessage())
        .contains(failed + " of " + (failed + 7))
        .contains("ns-000");
  }

  @Test
  void lastRotationTimeMovesOnlyOnRotation() {
    RegistryCredentialStatus first = build(null, OK, synced(1), T0);
    RegistryCredentialStatus unchanged = build(first, OK, synced(1), T1);
    RegistryCredentialStatus rotated =
        build(unchanged, OK, new SyncReport(1, 1, List.of(), true, 1), T2);

    assertThat(first.getLastRotationTime()).isEqualTo("2025-03-01T10:00:00Z");
    assertThat(unchanged.getLastRotationTime()).isEqualTo("2025-03-01T10:00:00Z");
    assertThat(rotated.getLastRotationTime()).isEqualTo("2025-03-01T12:00:00Z");
  }

  @Test
  void summaryIsSyncedOverTargeted() {
    assertThat(NamespaceCounts.of(5, 3, 2).summary()).isEqualTo("3/5");
  }

  @Test
  void formatIsSecondPrecisionUtc() {
    assertThat(StatusFactory.format(Instant.parse("2025-03-01T10:00:00.987654321Z")))
        .isEqualTo("2025-03-01T10:00:00Z");
  }

  @Test
  void failingRefreshInTheTokensLastTenthSaysExpiring() {
    Instant now = Instant.parse("2026-11-23T11:00:00Z");
    Instant expires = Instant.parse("2026-11-23T11:30:00Z");
    var status =
        StatusFactory.build(
            null,
            4,
            "ecr",
            StatusFactory.SourceState.failed(
                "ProviderUnavailable",
                "ECR GetAuthorizationToken failed: ServerException (HTTP 500)",
                expires,
                true),
            null,
            java.util.Optional.empty(),
            Optional.empty(),
            now);
    var ready = condition(status, ConditionType.Ready);
    assertThat(ready.getStatus()).isEqualTo("False");
    assertThat(ready.getReason()).isEqualTo("Expiring");
    assertThat(ready.getMessage()).contains("2026-11-23T11:30:00Z").contains("HTTP 500");
    assertThat(status.getExpiresAt()).isEqualTo("2026-11-23T11:30:00Z");
    var source = condition(status, ConditionType.SourceAvailable);
    assertThat(source.getReason()).isEqualTo("ProviderUnavailable");
  }

  @Test
  void changedComparesStatusAndReasonOfOneCondition() {
    Instant t = Instant.parse("2026-11-23T10:00:00Z");
    var ok =
        StatusFactory.build(
            null,
            1,
            "static",
            SourceState.available("read", Optional.empty()),
            new SyncReport(1, 1, List.of(), false, 1),
            Optional.empty(),
            Optional.empty(),
            t);
    var again =
        StatusFactory.build(
            ok,
            1,
            "static",
            SourceState.available("read", Optional.empty()),
            new SyncReport(2, 2, List.of(), false, 1),
            Optional.empty(),
            Optional.empty(),
            t);
    var failed =
        StatusFactory.build(
            ok,
            1,
            "static",
            SourceState.failed("SourceSecretNotFound", "gone"),
            null,
            Optional.empty(),
            Optional.empty(),
            t);
    assertThat(StatusFactory.changed(null, ok, ConditionType.Synced)).isTrue();
    assertThat(StatusFactory.changed(ok, again, ConditionType.Synced)).as("message only").isFalse();
    assertThat(StatusFactory.changed(ok, failed, ConditionType.SourceAvailable)).isTrue();
    assertThat(StatusFactory.changed(ok, failed, ConditionType.Synced))
        .as("kept from before")
        .isFalse();
    var failedOtherwise =
        StatusFactory.build(
            failed,
            1,
            "static",
            SourceState.failed("SourceSecretNotFound", "gone, and its replacement too"),
            null,
            Optional.empty(),
            Optional.empty(),
            t);
    assertThat(StatusFactory.changed(failed, failedOtherwise, ConditionType.SourceAvailable))
        .isFalse();
    assertThat(
            StatusFactory.changedOrReworded(failed, failedOtherwise, ConditionType.SourceAvailable))
        .as("same reason, new message")
        .isTrue();
    assertThat(StatusFactory.changedOrReworded(failed, failed, ConditionType.SourceAvailable))
        .isFalse();
  }
}
