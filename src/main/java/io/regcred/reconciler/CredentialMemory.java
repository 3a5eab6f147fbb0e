package io.regcred.reconciler;

import io.regcred.model.FetchState;
import io.regcred.model.PassHistory;
import io.regcred.model.RefreshSchedule;
import java.time.Instant;
import java.util.Optional;

/**
 * What one credential's reconciles remember of each other: the source's fetch history, and how many
 * passes in a row left namespaces to retry, conflicts to recheck, the status unwritten, or cleanup
 * unfinished (each count drives a backoff), and what the passes over its namespaces established.
 */
record CredentialMemory(
    FetchState fetch,
    int syncRetries,
    int conflictChecks,
    int statusFailures,
    int cleanupAttempts,
    PassHistory passes) {

  static final CredentialMemory NONE =
      new CredentialMemory(FetchState.fresh(""), 0, 0, 0, 0, PassHistory.NONE);

  /** Cleanup is tried this many times before the finalizer is released anyway. */
  static final int MAX_CLEANUP_ATTEMPTS = 5;

  CredentialMemory forSource(String sourceKey) {
    return new CredentialMemory(
        fetch.forSource(sourceKey),
        syncRetries,
        conflictChecks,
        statusFailures,
        cleanupAttempts,
        passes);
  }

  CredentialMemory withFetch(FetchState after) {
    return new CredentialMemory(
        after, syncRetries, conflictChecks, statusFailures, cleanupAttempts, passes);
  }

  /** After a pass: counts of namespaces to retry and conflicts to recheck, or reset. */
  CredentialMemory synced(boolean retry, boolean conflicts) {
    return new CredentialMemory(
        fetch,
        retry ? syncRetries + 1 : 0,
        conflicts ? conflictChecks + 1 : 0,
        statusFailures,
        cleanupAttempts,
        passes);
  }

  CredentialMemory passed(PassHistory after) {
    return new CredentialMemory(
        fetch, syncRetries, conflictChecks, statusFailures, cleanupAttempts, after);
  }

  CredentialMemory statusWritten(boolean written) {
    return new CredentialMemory(
        fetch,
        syncRetries,
        conflictChecks,
        written ? 0 : statusFailures + 1,
        cleanupAttempts,
        passes);
  }

  CredentialMemory cleanupFailed() {
    return new CredentialMemory(
        fetch, syncRetries, conflictChecks, statusFailures, cleanupAttempts + 1, passes);
  }

  /** When to try again after this many failures in a row; empty when there are none. */
  Optional<Instant> retryAt(int failures, Instant now, Optional<Instant> expiry) {
    return failures == 0
        ? Optional.empty()
        : Optional.of(now.plus(RefreshSchedule.retryDelay(failures, now, expiry)));
  }
}
