package io.regcred.model;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * What is remembered of a credential's fetches between reconciles: how many failed in a row, the
 * last failure, and the earliest time the source may be asked again. It belongs to one source (the
 * spec's source and the source Secret's version): a change there may be the fix, so it is tried at
 * once.
 */
public record FetchState(
    String sourceKey, int failures, Optional<Instant> nextAttempt, Optional<Failure> lastFailure) {

  /** Why the last fetch failed, as status and Events show it. */
  public record Failure(String reason, String message) {}

  public static FetchState fresh(String sourceKey) {
    return new FetchState(sourceKey, 0, Optional.empty(), Optional.empty());
  }

  /** This state if it belongs to the source, else a fresh one for it. */
  public FetchState forSource(String key) {
    return sourceKey.equals(key) ? this : fresh(key);
  }

  /** Whether the source may not be asked before {@link #nextAttempt}. */
  public boolean waiting(Instant now) {
    return nextAttempt.isPresent() && now.isBefore(nextAttempt.get());
  }

  /**
   * After a failed fetch: one more failure, and the next attempt after a backoff that never passes
   * the expiry of the token still in use.
   */
  public FetchState failed(Failure failure, Instant now, Optional<Instant> lastGoodExpiry) {
    Duration delay = RefreshSchedule.retryDelay(failures + 1, now, lastGoodExpiry);
    return new FetchState(
        sourceKey, failures + 1, Optional.of(now.plus(delay)), Optional.of(failure));
  }
}
