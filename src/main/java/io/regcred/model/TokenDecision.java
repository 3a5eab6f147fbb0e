package io.regcred.model;

import java.time.Instant;
import java.util.Optional;

/** Whether a reconcile uses the token it has, asks the source, or waits out a backoff. */
public sealed interface TokenDecision {

  /** The token in hand is good until its refresh time. */
  record Reuse(RegistryToken token) implements TokenDecision {}

  /** The source is asked (once, whatever the number of namespaces). */
  record Fetch() implements TokenDecision {}

  /**
   * The source failed and its backoff is not over: no call before {@code until}, whatever events
   * arrive. Namespaces are still synced with the last good token while it is unexpired.
   */
  record Wait(Instant until) implements TokenDecision {}

  /**
   * The decision for a reconcile at {@code now}.
   *
   * @param current the token in hand for this source spec (memory or stored state), if any
   * @param refreshAt when {@code current} must be replaced (empty for tokens that do not expire)
   */
  static TokenDecision decide(
      Optional<RegistryToken> current, Optional<Instant> refreshAt, FetchState fetch, Instant now) {
    if (current.isPresent() && refreshAt.isPresent() && now.isBefore(refreshAt.get())) {
      return new Reuse(current.get());
    }
    if (fetch.waiting(now)) {
      return new Wait(fetch.nextAttempt().orElseThrow());
    }
    return new Fetch();
  }

  /** The last good token, if it can still be written: it has not expired. */
  static Optional<RegistryToken> lastGood(Optional<RegistryToken> current, Instant now) {
    return current.filter(t -> t.expiresAt().map(now::isBefore).orElse(false));
  }
}
