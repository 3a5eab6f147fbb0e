package io.regcred.model;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.regcred.Annotations;
import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The current token of a credential as it survives a restart: one Secret per credential in the
 * operator's own namespace, where tenants cannot write. It is the only place a token is ever read
 * back from; the Secrets in target namespaces are outputs.
 */
public final class TokenState {

  /** Secret type of a stored token, so nobody mistakes it for a pull secret. */
  public static final String SECRET_TYPE = "regcred.io/token-state";

  static final String PREFIX = "regcred-token-";
  private static final int MAX_NAME = 253;

  private TokenState() {}

  /** The name of a credential's state Secret; long credential names are shortened by a hash. */
  public static String secretName(String credentialName) {
    String name = PREFIX + credentialName;
    if (name.length() <= MAX_NAME) {
      return name;
    }
    String hash = ManagedSecret.sha256(credentialName).substring(0, 16);
    return name.substring(0, MAX_NAME - hash.length() - 1) + "-" + hash;
  }

  /** The state Secret for a freshly fetched token, owned by the credential. */
  public static Secret toSecret(
      String namespace,
      ClusterRegistryCredential credential,
      RegistryToken token,
      String sourceHash) {
    String json = DockerConfigJson.render(token.auths());
    return new SecretBuilder()
        .withNewMetadata()
        .withName(secretName(credential.getMetadata().getName()))
        .withNamespace(namespace)
        .withAnnotations(
            Map.of(
                Annotations.SOURCE_HASH,
                sourceHash,
                Annotations.ISSUED_AT,
                token.issuedAt().toString(),
                Annotations.EXPIRES_AT,
                token.expiresAt().map(Instant::toString).orElse("")))
        .withOwnerReferences(ManagedSecret.controllerReference(credential))
        .endMetadata()
        .withType(SECRET_TYPE)
        .withData(Map.of(DockerConfigJson.KEY, ManagedSecret.base64(json)))
        .build();
  }

  /**
   * The token a state Secret holds, if it may still be used: written for this credential (UID) and
   * this source spec, and within the lifetimes {@link TokenLifetime} allows at {@code now}.
   */
  public static Optional<RegistryToken> read(
      Secret stored,
      ClusterRegistryCredential credential,
      String sourceKind,
      String sourceHash,
      Instant now) {
    var meta = stored.getMetadata();
    var annotations = meta.getAnnotations();
    boolean forThisCredential =
        SECRET_TYPE.equals(stored.getType())
            && meta.getOwnerReferences() != null
            && meta.getOwnerReferences().stream()
                .anyMatch(o -> Objects.equals(o.getUid(), credential.getMetadata().getUid()));
    if (!forThisCredential
        || annotations == null
        || !sourceHash.equals(annotations.get(Annotations.SOURCE_HASH))
        || stored.getData() == null
        || stored.getData().get(DockerConfigJson.KEY) == null) {
      return Optional.empty();
    }
    try {
      String json =
          new String(
              Base64.getDecoder().decode(stored.getData().get(DockerConfigJson.KEY)),
              StandardCharsets.UTF_8);
      var token =
          new RegistryToken(
              DockerConfigJson.parse(json, false),
              Instant.parse(annotations.getOrDefault(Annotations.ISSUED_AT, "")),
              Optional.of(Instant.parse(annotations.getOrDefault(Annotations.EXPIRES_AT, ""))));
      return TokenLifetime.problem(sourceKind, token, now).isEmpty()
          ? Optional.of(token)
          : Optional.empty();
    } catch (DockerConfigJson.InvalidDockerConfig
        | DateTimeParseException
        | IllegalArgumentException e) {
      // State we cannot read is not reused: the next fetch replaces it.
      return Optional.empty();
    }
  }
}
