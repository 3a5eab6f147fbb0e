package io.regcred.model;

import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import io.regcred.api.v1alpha1.Refresh;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * When to fetch a new token, from the token's own lifetime: by default once half of it has passed
 * plus a jitter of up to a tenth, so credentials issued together do not all refresh at once; or a
 * fixed time before expiry. Retries after a failure back off, but never so far that the next
 * attempt comes after the token has expired.
 */
public final class RefreshSchedule {

  static final Duration FIRST_RETRY = Duration.ofSeconds(5);
  static final Duration MAX_RETRY = Duration.ofMinutes(5);
  static final Duration MIN_RETRY = Duration.ofSeconds(1);
  static final Duration MIN_REFRESH = Duration.ofSeconds(5);

  private static final Pattern DURATION_PART = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ms|s|m|h)");

  private RefreshSchedule() {}

  /**
   * The next refresh of a token.
   *
   * @param beforeExpiry {@code spec.refresh.beforeExpiry}, if set
   * @param jitter a number in [0, 1) that is stable for one token, so a restarted operator computes
   *     the same time
   */
  public static Instant nextRefresh(
      Instant issuedAt, Instant expiresAt, Optional<Duration> beforeExpiry, double jitter) {
    Duration lifetime = Duration.between(issuedAt, expiresAt);
    if (lifetime.isNegative() || lifetime.isZero()) {
      return issuedAt;
    }
    // Never sooner than a tenth of the lifetime, nor than a few seconds (half a very short one):
    // a source that hands out short tokens cannot make the operator fetch and write in a loop.
    Duration floor = lifetime.dividedBy(10);
    Duration few =
        MIN_REFRESH.compareTo(lifetime.dividedBy(2)) < 0 ? MIN_REFRESH : lifetime.dividedBy(2);
    Instant earliest = issuedAt.plus(floor.compareTo(few) < 0 ? few : floor);
    if (beforeExpiry.isPresent()) {
      Instant at = expiresAt.minus(beforeExpiry.get());
      return at.isBefore(earliest) ? earliest : at;
    }
    long tenthMillis = lifetime.dividedBy(10).toMillis();
    return issuedAt.plus(lifetime.dividedBy(2)).plusMillis((long) (tenthMillis * clamp(jitter)));
  }

  /** Whether a token is in the last tenth of its life (or past it). */
  public static boolean expiring(Instant issuedAt, Instant expiresAt, Instant now) {
    Duration lifetime = Duration.between(issuedAt, expiresAt);
    return !now.isBefore(expiresAt.minus(lifetime.dividedBy(10)));
  }

  /**
   * The wait before retrying a failed fetch: 5 s doubling per consecutive failure up to 5 min, but
   * at most a quarter of the token's remaining life, so several attempts fit before expiry.
   */
  public static Duration retryDelay(int failures, Instant now, Optional<Instant> expiresAt) {
    Duration delay = FIRST_RETRY.multipliedBy(1L << Math.min(Math.max(failures - 1, 0), 10));
    if (delay.compareTo(MAX_RETRY) > 0) {
      delay = MAX_RETRY;
    }
    if (expiresAt.isPresent() && now.isBefore(expiresAt.get())) {
      Duration quarter = Duration.between(now, expiresAt.get()).dividedBy(4);
      if (delay.compareTo(quarter) > 0) {
        delay = quarter;
      }
    }
    return delay.compareTo(MIN_RETRY) < 0 ? MIN_RETRY : delay;
  }

  /**
   * How long until the earliest of these moments, at least a second away; empty when there is none
   * (a credential that does not expire and has nothing to retry waits for events).
   */
  public static Optional<Duration> wakeAfter(Instant now, List<Optional<Instant>> moments) {
    return moments.stream()
        .flatMap(Optional::stream)
        .min(Instant::compareTo)
        .map(at -> Duration.between(now, at))
        .map(d -> d.compareTo(MIN_RETRY) < 0 ? MIN_RETRY : d);
  }

  /** A stable jitter in [0, 1) for one token, from anything that identifies it. */
  public static double jitterFor(String tokenIdentity) {
    return Math.floorMod(tokenIdentity.hashCode(), 1000) / 1000.0;
  }

  /**
   * Parses a duration as the CRD accepts it: {@code 30m}, {@code 1h30m}, {@code 1.5h}, {@code
   * 500ms}.
   */
  public static Duration parseDuration(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("empty duration");
    }
    Matcher m = DURATION_PART.matcher(text);
    int end = 0;
    double millis = 0;
    while (m.find()) {
      if (m.start() != end) {
        throw new IllegalArgumentException("invalid duration: " + text);
      }
      double value = Double.parseDouble(m.group(1));
      millis +=
          switch (m.group(2)) {
            case "ms" -> value;
            case "s" -> value * 1_000;
            case "m" -> value * 60_000;
            default -> value * 3_600_000;
          };
      end = m.end();
    }
    if (end != text.length()) {
      throw new IllegalArgumentException("invalid duration: " + text);
    }
    return Duration.ofMillis(Math.round(millis));
  }

  private static double clamp(double jitter) {
    return Math.max(0, Math.min(jitter, 0.999));
  }

  /** The earlier of two optional instants. */
  public static Optional<Instant> earliest(Optional<Instant> a, Optional<Instant> b) {
    if (a.isEmpty()) {
      return b;
    }
    return b.isPresent() && b.get().isBefore(a.get()) ? b : a;
  }

  /** When a token must be replaced; empty for credentials that do not expire. */
  public static Optional<Instant> refreshTime(
      ClusterRegistryCredential credential, RegistryToken token) {
    return refreshTime(credential.getSpec().getRefresh(), credential.getMetadata().getUid(), token);
  }

  /**
   * When a token must be replaced, for a credential of either kind with this refresh setting and
   * UID (which spreads refreshes of many credentials apart).
   */
  public static Optional<Instant> refreshTime(
      Refresh refresh, String credentialUid, RegistryToken token) {
    return token
        .expiresAt()
        .map(
            expires ->
                nextRefresh(
                    token.issuedAt(),
                    expires,
                    beforeExpiry(refresh),
                    jitterFor(credentialUid + token.issuedAt())));
  }

  private static Optional<Duration> beforeExpiry(Refresh refresh) {
    if (refresh == null || refresh.getBeforeExpiry() == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(parseDuration(refresh.getBeforeExpiry()));
    } catch (IllegalArgumentException e) {
      return Optional.empty(); // the schema admits only valid durations
    }
  }
}
