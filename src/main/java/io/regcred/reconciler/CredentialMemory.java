package io.regcred.reconciler;

import io.regcred.model.FetchState;
import io.regcred.model.RefreshSchedule;
import java.time.Instant;
import java.util.Optional;

/**
 * What one credential's reconciles remember of each other: the source's fetch history, and how many
 * passes in a row left namespaces to retry, conflicts to recheck, the status unwritten, or cleanup
 * unfinished. Each count drives a backoff.
 */
record CredentialMemory(
    FetchState fetch,
    int syncRetries,
    int conflictChecks,
    int statusFailures,
    int cleanupAttempts) {

  static final CredentialMemory NONE = new CredentialMemory(FetchState.fresh(""), 0, 0, 0, 0);

  /** Cleanup is tried this many times before the finalizer is released anyway. */
  static final int MAX_CLEANUP_ATTEMPTS = 5;

  CredentialMemory forSource(String sourceKey) {
    return new CredentialMemory(
        fetch.forSource(sourceKey), syncRetries, conflictChecks, statusFailures, cleanupAttempts);
  }

  CredentialMemory fetched() {
    return new CredentialMemory(
        FetchState.fresh(fetch.sourceKey()),
        syncRetries,
        conflictChecks,
        statusFailures,
        cleanupAttempts);
  }

  CredentialMemory fetchFailed(
      FetchState.Failure failure, Instant now, Optional<Instant> lastGoodExpiry) {
    return new CredentialMemory(
        fetch.failed(failure, now, lastGoodExpiry),
        syncRetries,
        conflictChecks,
        statusFailures,
        cleanupAttempts);
  }

  /** After a pass: counts of namespaces to retry and conflicts to recheck, or reset. */
  CredentialMemory synced(boolean retry, boolean conflicts) {
    return new CredentialMemory(
        fetch,
        retry ? syncRetries + 1 : 0,
        conflicts ? conflictChecks + 1 : 0,
        statusFailures,
        cleanupAttempts);
  }

  CredentialMemory statusWritten(boolean written) {
    return new CredentialMemory(
        fetch, syncRetries, conflictChecks, written ? 0 : statusFailures + 1, cleanupAttempts);
  }

  CredentialMemory cleanupFailed() {
    return new CredentialMemory(
        fetch, syncRetries, conflictChecks, statusFailures, cleanupAttempts + 1);
  }

  /** When to try again after this many failures in a row; empty when there are none. */
  Optional<Instant> retryAt(int failures, Instant now, Optional<Instant> expiry) {
    return failures == 0
        ? Optional.empty()
        : Optional.of(now.plus(RefreshSchedule.retryDelay(failures, now, expiry)));
  }
}
