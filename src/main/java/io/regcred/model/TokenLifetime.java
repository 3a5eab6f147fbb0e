package io.regcred.model;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * The lifetimes a source's tokens may have. A token outside them is refused, whether it comes from
 * a provider (a broken or hostile endpoint) or from stored state: an expiry in the past or only
 * seconds away would make the operator fetch in a hot loop, one decades away would stop rotation.
 */
public final class TokenLifetime {

  /** The longest lifetime each source documents: ECR 12 h; ACR refresh tokens 3 h; Google 12 h. */
  static final Map<String, Duration> MAXIMUM =
      Map.of("ecr", Duration.ofHours(12), "acr", Duration.ofHours(3), "gar", Duration.ofHours(12));

  /** Allowance for the provider's clock running ahead of ours. */
  static final Duration CLOCK_SKEW = Duration.ofMinutes(15);

  /** Below this a token would be refreshed every few seconds. */
  static final Duration MINIMUM = Duration.ofSeconds(10);

  private TokenLifetime() {}

  /**
   * Why a token from this source cannot be used at {@code now}, or empty when it can. Tokens that
   * do not expire are fine for the static source only.
   */
  public static Optional<String> problem(String sourceKind, RegistryToken token, Instant now) {
    if (token.expiresAt().isEmpty()) {
      return "static".equals(sourceKind)
          ? Optional.empty()
          : Optional.of("the token has no expiry");
    }
    Instant expires = token.expiresAt().get();
    Duration maximum = MAXIMUM.getOrDefault(sourceKind, Duration.ZERO).plus(CLOCK_SKEW);
    if (token.issuedAt().isAfter(now.plus(CLOCK_SKEW))) {
      return Optional.of("the token is issued in the future (" + token.issuedAt() + ")");
    }
    if (!expires.isAfter(now.plus(MINIMUM))) {
      return Optional.of(
          "the token expires at " + expires + ", less than " + MINIMUM.toSeconds() + " s from now");
    }
    if (Duration.between(now, expires).compareTo(maximum) > 0
        || Duration.between(token.issuedAt(), expires).compareTo(maximum) > 0) {
      return Optional.of(
          "the token expires at "
              + expires
              + ", beyond the longest lifetime a "
              + sourceKind
              + " token has ("
              + MAXIMUM.getOrDefault(sourceKind, Duration.ZERO).toHours()
              + " h)");
    }
    return Optional.empty();
  }
}
