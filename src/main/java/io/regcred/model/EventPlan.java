package io.regcred.model;

import io.fabric8.kubernetes.api.model.Condition;
import io.regcred.api.v1alpha1.RegistryCredentialStatus;
import io.regcred.api.v1alpha1.RegistryCredentialStatus.SyncFailure;
import io.regcred.model.ManagedSecret.Claim;
import io.regcred.model.StatusFactory.SourceState;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The Events a pass emits: one for each thing that changed and that someone should hear about. A
 * condition changing status or reason is news, and so is a failure reworded (same reason, new
 * message). Counts moving (a namespace onboarded) are not. Repeats of one Event are counted by the
 * recorder, not emitted again.
 */
public final class EventPlan {

  private EventPlan() {}

  /** One Event to emit. */
  public record PlannedEvent(boolean warning, String reason, String message) {}

  /**
   * @param previous the status before the pass (null for a new credential)
   * @param status the status after it
   * @param source the source's state in this pass
   * @param newConflicts namespaces this pass found blocked for the first time
   * @param rotated whether a Secret's credential was replaced in place
   */
  public static List<PlannedEvent> decide(
      RegistryCredentialStatus previous,
      RegistryCredentialStatus status,
      SourceState source,
      List<SyncFailure> newConflicts,
      boolean rotated) {
    List<PlannedEvent> events = new ArrayList<>();
    newConflicts.forEach(c -> events.add(new PlannedEvent(true, c.reason(), c.message())));
    if (rotated) {
      events.add(
          new PlannedEvent(
              false,
              Reason.Rotated.name(),
              "credential updated in place in the target namespaces"));
    }
    if (!source.available()
        && StatusFactory.changedOrReworded(previous, status, ConditionType.SourceAvailable)) {
      events.add(new PlannedEvent(true, source.reason(), source.message()));
    }
    if (source.expiring() && StatusFactory.changed(previous, status, ConditionType.Ready)) {
      events.add(
          new PlannedEvent(
              true, Reason.Expiring.name(), condition(status, ConditionType.Ready).getMessage()));
    }
    Condition synced = condition(status, ConditionType.Synced);
    if ("True".equals(synced.getStatus())) {
      if (StatusFactory.changed(previous, status, ConditionType.Synced)) {
        events.add(new PlannedEvent(false, synced.getReason(), synced.getMessage()));
      }
    } else if (!Claim.blocks(synced.getReason())
        // Conflicts have their own Event above; a failing source has the SourceAvailable one.
        && !Reason.SourceUnavailable.name().equals(synced.getReason())
        && StatusFactory.changedOrReworded(previous, status, ConditionType.Synced)) {
      events.add(new PlannedEvent(true, synced.getReason(), synced.getMessage()));
    }
    verificationEvent(previous, status).ifPresent(events::add);
    return List.copyOf(events);
  }

  /**
   * A registry refusing the credential, or a new reason for failing, is a Warning; a registry
   * accepting it again after a failure is news too. A first success is not: the condition says it.
   */
  private static Optional<PlannedEvent> verificationEvent(
      RegistryCredentialStatus previous, RegistryCredentialStatus status) {
    Optional<Condition> before = StatusFactory.find(previous, ConditionType.Verified);
    return StatusFactory.find(status, ConditionType.Verified)
        .filter(
            after ->
                "False".equals(after.getStatus())
                    ? StatusFactory.changedOrReworded(previous, status, ConditionType.Verified)
                    : "True".equals(after.getStatus())
                        && before.filter(b -> "False".equals(b.getStatus())).isPresent())
        .map(
            after ->
                new PlannedEvent(
                    "False".equals(after.getStatus()), after.getReason(), after.getMessage()));
  }

  private static Condition condition(RegistryCredentialStatus status, ConditionType type) {
    return StatusFactory.find(status, type).orElseThrow();
  }
}
