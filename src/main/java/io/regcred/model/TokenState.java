package io.regcred.model;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.regcred.Annotations;
import io.regcred.Labels;
import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.List;
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

  /** The UID of the namespaced credential a state Secret belongs to. */
  static final String CREDENTIAL_UID = "regcred.io/credential-uid";

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

  /**
   * The state Secret of a namespaced credential: its key (namespace/name) hashed, so that no
   * namespace and name can be mistaken for a cluster-scoped credential's name or for each other.
   */
  public static String namespacedSecretName(String key) {
    return PREFIX + "ns-" + ManagedSecret.sha256(key).substring(0, 40);
  }

  /** The state Secret for a freshly fetched token, owned by the credential. */
  public static Secret toSecret(
      String namespace,
      ClusterRegistryCredential credential,
      RegistryToken token,
      String sourceHash) {
    return toSecret(
        namespace,
        secretName(credential.getMetadata().getName()),
        CredentialRef.of(credential),
        token,
        sourceHash);
  }

  /**
   * The state Secret for a token of a credential of either kind. A cluster-scoped credential owns
   * it (the garbage collector removes it with the credential); a namespaced one cannot own an
   * object in another namespace, so its UID is recorded instead and the operator removes the Secret
   * when it cleans the credential up.
   */
  public static Secret toSecret(
      String namespace,
      String name,
      CredentialRef credential,
      RegistryToken token,
      String sourceHash) {
    String json = DockerConfigJson.render(token.auths());
    boolean namespaced = Labels.NAMESPACED_CREDENTIAL.equals(credential.labelKey());
    Map<String, String> annotations = new java.util.LinkedHashMap<>();
    annotations.put(Annotations.SOURCE_HASH, sourceHash);
    annotations.put(Annotations.ISSUED_AT, token.issuedAt().toString());
    annotations.put(Annotations.EXPIRES_AT, token.expiresAt().map(Instant::toString).orElse(""));
    if (namespaced) {
      annotations.put(CREDENTIAL_UID, credential.uid());
    }
    return new SecretBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(namespace)
        .withAnnotations(annotations)
        .withOwnerReferences(namespaced ? List.of() : List.of(credential.controllerReference()))
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
    return read(stored, credential.getMetadata().getUid(), sourceKind, sourceHash, now);
  }

  /**
   * {@link #read(Secret, ClusterRegistryCredential, String, String, Instant)} for the credential
   * with this UID, of either kind (the operator's namespace, where state lives, is not tenants').
   */
  public static Optional<RegistryToken> read(
      Secret stored, String credentialUid, String sourceKind, String sourceHash, Instant now) {
    var meta = stored.getMetadata();
    var annotations = meta.getAnnotations();
    boolean ownedByIt =
        meta.getOwnerReferences() != null
            && meta.getOwnerReferences().stream()
                .anyMatch(o -> Objects.equals(o.getUid(), credentialUid));
    boolean recordedForIt =
        annotations != null && Objects.equals(annotations.get(CREDENTIAL_UID), credentialUid);
    boolean forThisCredential =
        SECRET_TYPE.equals(stored.getType()) && (ownedByIt || recordedForIt);
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
