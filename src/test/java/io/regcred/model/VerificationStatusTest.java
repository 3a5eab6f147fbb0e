package io.regcred.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.regcred.api.v1alpha1.RegistryCredentialStatus;
import io.regcred.model.EventPlan.PlannedEvent;
import io.regcred.model.StatusFactory.SourceState;
import io.regcred.model.VerificationResult.ServerCheck;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The Verified condition: how server answers combine, how it carries over, and its Events. */
class VerificationStatusTest {

  private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
  private static final Instant T1 = Instant.parse("2026-03-01T11:00:00Z");
  private static final SourceState UP = SourceState.available("read", Optional.empty());

  private static final ServerCheck OK_A = new ServerCheck("a.example", Reason.Verified, "HTTP 200");
  private static final ServerCheck OK_B = new ServerCheck("b.example", Reason.Verified, "HTTP 200");
  private static final ServerCheck REFUSED =
      new ServerCheck("b.example", Reason.Unauthorized, "HTTP 401 after Basic login");
  private static final ServerCheck DOWN =
      new ServerCheck("a.example", Reason.Unreachable, "connection refused");

  @Test
  void everyServerMustAcceptTheCredential() {
    assertThat(VerificationResult.of(List.of(OK_A, OK_B)))
        .extracting(VerificationResult::status, VerificationResult::reason)
        .containsExactly("True", Reason.Verified);
    VerificationResult one = VerificationResult.of(List.of(OK_A, REFUSED));
    assertThat(one.status()).isEqualTo("False");
    assertThat(one.reason()).isEqualTo(Reason.Unauthorized);
    assertThat(one.message()).contains("b.example").contains("401").doesNotContain("a.example");
  }

  @Test
  void aRefusalOutweighsAnUnreachableServer() {
    VerificationResult both = VerificationResult.of(List.of(DOWN, REFUSED));
    assertThat(both.reason()).isEqualTo(Reason.Unauthorized);
    assertThat(VerificationResult.of(List.of(DOWN, OK_B)).reason()).isEqualTo(Reason.Unreachable);
  }

  @Test
  void aRegistryThatAsksNoLoginLeavesTheCredentialUnknown() {
    var open =
        new ServerCheck("b.example", Reason.Skipped, "GET /v2/ answered 200 without a login");
    assertThat(VerificationResult.of(List.of(OK_A, open)))
        .extracting(VerificationResult::status, VerificationResult::reason)
        .containsExactly("Unknown", Reason.Skipped);
    assertThat(VerificationResult.of(List.of(DOWN, open)).reason()).isEqualTo(Reason.Unreachable);
  }

  @Test
  void aCredentialHasServers() {
    assertThatThrownBy(() -> VerificationResult.of(List.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void skippedIsUnknown() {
    assertThat(VerificationResult.skipped())
        .extracting(VerificationResult::status, VerificationResult::reason)
        .containsExactly("Unknown", Reason.Skipped);
  }

  @Test
  void theConditionStaysWhileANewTokenIsBeingVerified() {
    var verified = build(null, Optional.of(VerificationResult.of(List.of(OK_A))), T0);
    var pending = build(verified, Optional.empty(), T1);
    assertThat(StatusFactory.find(pending, ConditionType.Verified))
        .get()
        .isEqualTo(StatusFactory.find(verified, ConditionType.Verified).orElseThrow());
    assertThat(StatusFactory.find(build(null, Optional.empty(), T0), ConditionType.Verified))
        .as("nothing verified yet: no condition")
        .isEmpty();
  }

  @Test
  void aRefusalIsAWarningOnceAndRecoveryIsNews() {
    var ok = build(null, Optional.of(VerificationResult.of(List.of(OK_A))), T0);
    assertThat(events(null, ok))
        .as("a first success: the condition says it")
        .extracting(PlannedEvent::reason)
        .doesNotContain("Verified");

    var refused = build(ok, Optional.of(VerificationResult.of(List.of(REFUSED))), T1);
    assertThat(events(ok, refused))
        .containsExactly(
            new PlannedEvent(true, "Unauthorized", "b.example: HTTP 401 after Basic login"));
    var again = build(refused, Optional.of(VerificationResult.of(List.of(REFUSED))), T1);
    assertThat(events(refused, again)).as("the same refusal again").isEmpty();

    var back = build(again, Optional.of(VerificationResult.of(List.of(OK_A))), T1);
    assertThat(events(again, back))
        .extracting(PlannedEvent::warning, PlannedEvent::reason)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(false, "Verified"));
    assertThat(
            StatusFactory.find(back, ConditionType.Verified).orElseThrow().getLastTransitionTime())
        .isEqualTo(StatusFactory.format(T1));
  }

  private static List<PlannedEvent> events(
      RegistryCredentialStatus previous, RegistryCredentialStatus next) {
    return EventPlan.decide(previous, next, UP, List.of(), false);
  }

  private static RegistryCredentialStatus build(
      RegistryCredentialStatus previous, Optional<VerificationResult> verification, Instant now) {
    return StatusFactory.build(
        previous,
        1,
        "static",
        UP,
        new SyncReport(1, 1, List.of(), false, 0),
        Optional.empty(),
        verification,
        now);
  }
}
