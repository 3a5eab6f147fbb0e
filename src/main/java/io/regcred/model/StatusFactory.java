package io.regcred.model;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.regcred.api.v1alpha1.RegistryCredentialStatus;
import io.regcred.api.v1alpha1.RegistryCredentialStatus.NamespaceCounts;
import io.regcred.api.v1alpha1.RegistryCredentialStatus.SyncFailure;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** Builds a credential's status from what a reconcile saw; pure, with the time passed in. */
public final class StatusFactory {

  /** At most this many failures are listed; the counts still cover all of them. */
  public static final int MAX_FAILURES = 20;

  private StatusFactory() {}

  /** The source's side of a reconcile: available (with the token's expiry) or failed. */
  public record SourceState(
      boolean available,
      String reason,
      String message,
      Optional<Instant> expiresAt,
      boolean expiring) {
    public static SourceState available(String message, Optional<Instant> expiresAt) {
      return new SourceState(true, Reason.CredentialAvailable.name(), message, expiresAt, false);
    }

    public static SourceState failed(String reason, String message) {
      return new SourceState(false, reason, message, Optional.empty(), false);
    }

    /**
     * The fetch failed while an earlier token is still in the Secrets: its expiry stays visible,
     * and in the token's last tenth of life Ready says {@code Expiring}.
     */
    public static SourceState failed(
        String reason, String message, Instant lastGoodExpiry, boolean expiring) {
      return new SourceState(false, reason, message, Optional.of(lastGoodExpiry), expiring);
    }
  }

  /**
   * The new status. With the source failed, {@code sync} may be null: the counts and Synced
   * condition of the previous status stay, because the last good Secrets stay too. With {@code
   * verification} empty (not verified yet, or no token), the previous Verified condition stays.
   */
  public static RegistryCredentialStatus build(
      RegistryCredentialStatus previous,
      long generation,
      String sourceKind,
      SourceState source,
      SyncReport sync,
      Optional<Instant> nextRefresh,
      Optional<VerificationResult> verification,
      Instant now) {
    RegistryCredentialStatus prev = previous == null ? new RegistryCredentialStatus() : previous;
    RegistryCredentialStatus status = new RegistryCredentialStatus();
    status.setObservedGeneration(generation);
    status.setSourceKind(sourceKind);
    List<Condition> conditions = new ArrayList<>();

    Condition sourceCondition =
        condition(
            prev,
            ConditionType.SourceAvailable,
            source.available(),
            source.reason(),
            source.message(),
            generation,
            now);

    Condition syncedCondition;
    if (sync == null) {
      status.setNamespaces(prev.getNamespaces());
      status.setFailures(prev.getFailures());
      syncedCondition =
          find(prev, ConditionType.Synced)
              .orElse(
                  condition(
                      prev,
                      ConditionType.Synced,
                      false,
                      Reason.SourceUnavailable.name(),
                      "nothing synced yet: the source is unavailable",
                      generation,
                      now));
      status.setExpiresAt(
          source.expiresAt().map(StatusFactory::format).orElse(prev.getExpiresAt()));
      status.setLastRotationTime(prev.getLastRotationTime());
    } else {
      status.setNamespaces(
          NamespaceCounts.of(sync.targeted(), sync.synced(), sync.failures().size()));
      status.setFailures(boundedFailures(sync.failures()));
      syncedCondition = syncedCondition(prev, sync, generation, now);
      status.setExpiresAt(source.expiresAt().map(StatusFactory::format).orElse(null));
      status.setLastRotationTime(
          sync.rotated() || prev.getLastRotationTime() == null
              ? format(now)
              : prev.getLastRotationTime());
    }
    status.setNextRefreshTime(nextRefresh.map(StatusFactory::format).orElse(null));

    boolean ready = source.available() && "True".equals(syncedCondition.getStatus());
    String readyReason =
        source.expiring()
            ? Reason.Expiring.name()
            : !source.available()
                ? source.reason()
                : ready ? Reason.Ready.name() : syncedCondition.getReason();
    String readyMessage =
        source.expiring()
            ? "the token in the Secrets expires at "
                + source.expiresAt().map(StatusFactory::format).orElse("?")
                + " and refreshing it fails: "
                + source.message()
            : !source.available() ? source.message() : syncedCondition.getMessage();
    conditions.add(
        condition(prev, ConditionType.Ready, ready, readyReason, readyMessage, generation, now));
    conditions.add(sourceCondition);
    conditions.add(syncedCondition);
    verification
        .map(
            v ->
                condition(
                    prev,
                    ConditionType.Verified,
                    v.status(),
                    v.reason().name(),
                    v.message(),
                    generation,
                    now))
        .or(() -> find(prev, ConditionType.Verified))
        .ifPresent(conditions::add);
    status.setConditions(conditions);
    return status;
  }

  /**
   * The status after a reconcile stopped on an unexpected error: everything the last pass
   * established stays (the Secrets are still there), and Ready says why it is in doubt.
   */
  public static RegistryCredentialStatus unexpected(
      RegistryCredentialStatus previous, long generation, String message, Instant now) {
    RegistryCredentialStatus prev = previous == null ? new RegistryCredentialStatus() : previous;
    RegistryCredentialStatus status = Serialization.clone(prev);
    List<Condition> conditions = new ArrayList<>();
    conditions.add(
        condition(
            prev,
            ConditionType.Ready,
            false,
            Reason.ReconcileError.name(),
            message,
            generation,
            now));
    if (prev.getConditions() != null) {
      prev.getConditions().stream()
          .filter(c -> !ConditionType.Ready.name().equals(c.getType()))
          .forEach(conditions::add);
    }
    status.setConditions(conditions);
    return status;
  }

  /** RFC 3339 in UTC with second precision, as Kubernetes writes times. */
  public static String format(Instant instant) {
    return instant.truncatedTo(ChronoUnit.SECONDS).toString();
  }

  private static Condition syncedCondition(
      RegistryCredentialStatus prev, SyncReport sync, long generation, Instant now) {
    if (sync.failures().isEmpty()) {
      String message =
          sync.targeted() == 0
              ? "no namespace matches the target"
              : "synced to all " + sync.targeted() + " target namespaces";
      return condition(
          prev,
          ConditionType.Synced,
          true,
          sync.targeted() == 0
              ? Reason.NoTargetNamespaces.name()
              : Reason.AllNamespacesSynced.name(),
          message,
          generation,
          now);
    }
    boolean allConflicts =
        sync.failures().stream().allMatch(f -> ManagedSecret.Claim.blocks(f.reason()));
    String reason = (allConflicts ? Reason.Conflict : Reason.SyncFailed).name();
    String message =
        sync.failures().size()
            + " of "
            + sync.targeted()
            + " target namespaces failed (first: "
            + sync.failures().stream()
                .min(Comparator.comparing(SyncFailure::namespace))
                .map(f -> f.namespace() + ": " + f.message())
                .orElse("")
            + "); see status.failures";
    return condition(prev, ConditionType.Synced, false, reason, message, generation, now);
  }

  private static List<SyncFailure> boundedFailures(List<SyncFailure> failures) {
    return failures.stream()
        .sorted(Comparator.comparing(SyncFailure::namespace))
        .limit(MAX_FAILURES)
        .toList();
  }

  /** The condition of this type, if the status has one. */
  public static Optional<Condition> find(RegistryCredentialStatus status, ConditionType type) {
    if (status == null || status.getConditions() == null) {
      return Optional.empty();
    }
    return status.getConditions().stream().filter(c -> type.name().equals(c.getType())).findFirst();
  }

  /**
   * Whether a condition's status or reason differs between two statuses (a condition the previous
   * status lacks counts as changed): the moments worth an Event.
   */
  public static boolean changed(
      RegistryCredentialStatus previous, RegistryCredentialStatus next, ConditionType type) {
    var before = find(previous, type);
    var after = find(next, type);
    return before.isEmpty()
        || after.isEmpty()
        || !before.get().getStatus().equals(after.get().getStatus())
        || !before.get().getReason().equals(after.get().getReason());
  }

  /**
   * Whether a condition changed in its status, reason or message: for failures, where a new message
   * with the same reason (another namespace, another error) is news worth an Event too.
   */
  public static boolean changedOrReworded(
      RegistryCredentialStatus previous, RegistryCredentialStatus next, ConditionType type) {
    return changed(previous, next, type)
        || !find(previous, type)
            .map(Condition::getMessage)
            .equals(find(next, type).map(Condition::getMessage));
  }

  private static Condition condition(
      RegistryCredentialStatus prev,
      ConditionType type,
      boolean ok,
      String reason,
      String message,
      long generation,
      Instant now) {
    return condition(prev, type, ok ? "True" : "False", reason, message, generation, now);
  }

  /** A condition whose lastTransitionTime moves only when its status changes. */
  private static Condition condition(
      RegistryCredentialStatus prev,
      ConditionType type,
      String value,
      String reason,
      String message,
      long generation,
      Instant now) {
    String since =
        find(prev, type)
            .filter(c -> value.equals(c.getStatus()) && c.getLastTransitionTime() != null)
            .map(Condition::getLastTransitionTime)
            .orElse(format(now));
    return new ConditionBuilder()
        .withType(type.name())
        .withStatus(value)
        .withReason(reason)
        .withMessage(message)
        .withObservedGeneration(generation)
        .withLastTransitionTime(since)
        .build();
  }
}
