package io.regcred.reconciler;

import io.fabric8.kubernetes.api.model.Secret;
import io.regcred.Annotations;
import io.regcred.model.DockerConfigJson;
import io.regcred.provider.RegistryToken;
import io.regcred.provider.SecretData;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The current token of each credential. Kept in memory, and recovered after a restart from the
 * Secrets it was written to (their annotations say when it was issued, when it expires and for
 * which source spec), so a restarted operator does not call the cloud again before the refresh is
 * due.
 */
class TokenStore {

  private record Entry(RegistryToken token, String sourceHash) {}

  private final Map<String, Entry> byCredential = new ConcurrentHashMap<>();

  void remember(String credential, RegistryToken token, String sourceHash) {
    byCredential.put(credential, new Entry(token, sourceHash));
  }

  void forget(String credential) {
    byCredential.remove(credential);
  }

  /**
   * The newest expiring token known for this credential and source spec: from memory, else from the
   * written Secrets. Tokens for another spec (a changed region, account or identity) are never
   * returned.
   */
  Optional<RegistryToken> current(String credential, String sourceHash, List<Secret> written) {
    Entry entry = byCredential.get(credential);
    if (entry != null
        && entry.sourceHash().equals(sourceHash)
        && entry.token().expiresAt().isPresent()) {
      return Optional.of(entry.token());
    }
    Optional<RegistryToken> recovered =
        written.stream()
            .map(secret -> fromSecret(secret, sourceHash))
            .flatMap(Optional::stream)
            .max(Comparator.comparing(RegistryToken::issuedAt));
    recovered.ifPresent(token -> remember(credential, token, sourceHash));
    return recovered;
  }

  private static Optional<RegistryToken> fromSecret(Secret secret, String sourceHash) {
    var annotations = secret.getMetadata().getAnnotations();
    if (annotations == null || !sourceHash.equals(annotations.get(Annotations.SOURCE_HASH))) {
      return Optional.empty();
    }
    String issued = annotations.get(Annotations.ISSUED_AT);
    String expires = annotations.get(Annotations.EXPIRES_AT);
    SecretData data = SecretData.of(secret);
    if (issued == null || expires == null || !data.has(DockerConfigJson.KEY)) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          new RegistryToken(
              DockerConfigJson.parse(data.text(DockerConfigJson.KEY), false),
              Instant.parse(issued),
              Optional.of(Instant.parse(expires))));
    } catch (DockerConfigJson.InvalidDockerConfig | DateTimeParseException e) {
      // A Secret we cannot read back is simply not reused: the next fetch replaces it.
      return Optional.empty();
    }
  }
}
