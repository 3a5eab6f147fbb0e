package io.regcred.model;

import java.time.Duration;
import java.util.Optional;

/**
 * How often a credential's status is written: at most once per {@link #MIN_INTERVAL}. Every
 * onboarded namespace changes the counts in the status; written each time, a burst of new
 * namespaces would cost as many status writes (and conflicts with anyone else patching the status)
 * as namespaces. Held for at most a second, the status stays current enough to read.
 */
public final class StatusPace {

  public static final Duration MIN_INTERVAL = Duration.ofSeconds(1);

  private StatusPace() {}

  /**
   * How long a changed status waits before it is written; empty: write it now.
   *
   * @param sinceLastWrite real time since the credential's status was last written; empty if it
   *     never was by this process
   */
  public static Optional<Duration> holdFor(Optional<Duration> sinceLastWrite) {
    return sinceLastWrite
        .filter(since -> since.compareTo(MIN_INTERVAL) < 0)
        .map(MIN_INTERVAL::minus);
  }
}
