package io.regcred.model;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A credential fetched from a source: one login per registry server, and when it expires (empty for
 * credentials that do not expire).
 */
public record RegistryToken(
    List<RegistryAuth> auths, Instant issuedAt, Optional<Instant> expiresAt) {

  public RegistryToken {
    auths = List.copyOf(auths);
    if (auths.isEmpty()) {
      throw new IllegalArgumentException("a token needs at least one registry server");
    }
  }

  /** A credential that does not expire. */
  public static RegistryToken permanent(List<RegistryAuth> auths, Instant issuedAt) {
    return new RegistryToken(auths, issuedAt, Optional.empty());
  }

  @Override
  public String toString() {
    return "RegistryToken[auths="
        + auths
        + ", issuedAt="
        + issuedAt
        + ", expiresAt="
        + expiresAt
        + "]";
  }
}
