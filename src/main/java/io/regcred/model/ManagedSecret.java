package io.regcred.model;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.regcred.Annotations;
import io.regcred.Labels;
import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The pull Secret a credential wants in one namespace, whether a Secret found there is ours, and
 * how it compares to what is wanted. Secrets in target namespaces are outputs: anyone who can write
 * Secrets there can change them, so nothing here reads a token back from them.
 */
public final class ManagedSecret {

  /** Label keys the operator owns on a written Secret. */
  static final List<String> OWN_LABELS =
      List.of(Labels.MANAGED_BY, Labels.CREDENTIAL, Labels.NAMESPACED_CREDENTIAL);

  /** Annotation keys the operator owns on a written Secret. */
  static final List<String> OWN_ANNOTATIONS =
      List.of(
          Annotations.CONTENT_HASH,
          Annotations.SOURCE_HASH,
          Annotations.ISSUED_AT,
          Annotations.EXPIRES_AT);

  /** Longest value of a tenant-writable field the cache keeps; UIDs and our hashes fit. */
  static final int MAX_KEPT_VALUE = 128;

  /** The type an observed copy shows for any type that is not a docker config JSON. */
  static final String OTHER_TYPE = "(other)";

  private ManagedSecret() {}

  /** What stands in a Secret's place: ours to write, or someone else's and left untouched. */
  public enum Claim {
    /** Ours: update it in place when it differs. */
    OURS,
    /** Someone else's Secret (or another credential's). */
    FOREIGN,
    /** Ours by its marks, but of another type, which cannot be changed in place. */
    WRONG_TYPE,
    /** Ours by its marks, but immutable, so it cannot be rotated in place. */
    IMMUTABLE;

    /**
     * Whether a namespace failure of this reason is a Secret standing in our place: it waits for
     * that Secret to change instead of being retried with backoff.
     */
    public static boolean blocks(String reason) {
      return Arrays.stream(values()).anyMatch(c -> c != OURS && c.reason().equals(reason));
    }

    /** The condition reason reported for a namespace where this Secret blocks the sync. */
    public String reason() {
      return switch (this) {
        case OURS -> Reason.AllNamespacesSynced.name();
        case FOREIGN -> Reason.Conflict.name();
        case WRONG_TYPE -> Reason.SecretTypeConflict.name();
        case IMMUTABLE -> Reason.SecretImmutable.name();
      };
    }
  }

  /**
   * Whether a Secret standing under the target name in a targeted namespace is ours. A controller
   * owner reference decides when there is one: ours only with this credential's UID. Without one
   * (Secrets left by {@code Retain}, or written before a switch away from it), our labels naming
   * this credential decide. Anything else is someone else's. A Secret we may not update in place
   * (another type, immutable) is reported, never rewritten in a loop.
   */
  public static Claim claim(Secret existing, ClusterRegistryCredential credential) {
    return claim(existing, CredentialRef.of(credential));
  }

  /** {@link #claim(Secret, ClusterRegistryCredential)} for a credential of either kind. */
  public static Claim claim(Secret existing, CredentialRef credential) {
    ObjectMeta meta = existing.getMetadata();
    OwnerReference controller =
        meta.getOwnerReferences() == null
            ? null
            : meta.getOwnerReferences().stream()
                .filter(o -> Boolean.TRUE.equals(o.getController()))
                .findFirst()
                .orElse(null);
    boolean ours =
        controller != null
            ? Objects.equals(controller.getUid(), credential.uid())
            : labelledFor(existing, credential.labelKey(), credential.name());
    if (!ours) {
      return Claim.FOREIGN;
    }
    if (!DockerConfigJson.SECRET_TYPE.equals(existing.getType())) {
      return Claim.WRONG_TYPE;
    }
    return Boolean.TRUE.equals(existing.getImmutable()) ? Claim.IMMUTABLE : Claim.OURS;
  }

  /**
   * Whether the operator may delete this Secret when it is no longer wanted: only with our
   * controller owner reference. Labels alone can be put on any Secret by whoever may write it.
   */
  public static boolean removable(Secret existing, ClusterRegistryCredential credential) {
    return removable(existing, credential.getMetadata().getUid());
  }

  /** Whether the Secret has the controller owner reference of the credential with this UID. */
  public static boolean removable(Secret existing, String credentialUid) {
    var owners = existing.getMetadata().getOwnerReferences();
    return owners != null
        && owners.stream()
            .anyMatch(
                o ->
                    Boolean.TRUE.equals(o.getController())
                        && Objects.equals(o.getUid(), credentialUid));
  }

  private static boolean labelledFor(Secret secret, String labelKey, String credentialName) {
    var labels = secret.getMetadata().getLabels();
    return labels != null
        && Labels.MANAGED_BY_VALUE.equals(labels.get(Labels.MANAGED_BY))
        && credentialName.equals(labels.get(labelKey));
  }

  /**
   * The desired Secret. It carries an owner reference to the credential unless the policy is
   * Retain, so a cluster's garbage collector cleans up even without the operator. Its type, labels,
   * annotations and owner references are fixed here and nowhere else.
   */
  /**
   * What the Secrets written with this token would hold, as one value: what they write changes
   * exactly when this does (with the credential's spec, which has its own generation).
   */
  public static String fingerprint(
      ClusterRegistryCredential credential, RegistryToken token, String sourceHash) {
    return sha256(
        String.join(
            "\n",
            credential.getMetadata().getUid(),
            sha256(DockerConfigJson.render(token.auths())),
            sourceHash,
            // A token without expiry is read anew each pass; when it was read is not written.
            token.expiresAt().map(e -> token.issuedAt() + "/" + e).orElse("")));
  }

  public static Secret desired(
      ClusterRegistryCredential credential,
      String namespace,
      RegistryToken token,
      String sourceHash) {
    return desired(CredentialRef.of(credential), namespace, token, sourceHash);
  }

  /** The desired Secret for a credential of either kind. */
  public static Secret desired(
      CredentialRef credential, String namespace, RegistryToken token, String sourceHash) {
    String json = DockerConfigJson.render(token.auths());
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put(Annotations.CONTENT_HASH, sha256(json));
    annotations.put(Annotations.SOURCE_HASH, sourceHash);
    token
        .expiresAt()
        .ifPresent(
            expiry -> {
              annotations.put(Annotations.ISSUED_AT, token.issuedAt().toString());
              annotations.put(Annotations.EXPIRES_AT, expiry.toString());
            });
    List<OwnerReference> owners =
        credential.retain() ? List.of() : List.of(credential.controllerReference());
    return new SecretBuilder()
        .withNewMetadata()
        .withName(credential.secretName())
        .withNamespace(namespace)
        .withLabels(credential.labels())
        .withAnnotations(annotations)
        .withOwnerReferences(owners)
        .endMetadata()
        .withType(DockerConfigJson.SECRET_TYPE)
        .withData(Map.of(DockerConfigJson.KEY, base64(json)))
        .build();
  }

  /**
   * What the operator keeps of a Secret it observes: identity, type, our own labels and
   * annotations, the controller owner reference, and a fingerprint of everything it compares. The
   * data and anything else a tenant may have put on the Secret are dropped, so the cache costs the
   * same whatever tenants write. The fingerprint travels as an in-memory annotation; such a copy is
   * never written back ({@link #replacement} starts from the desired Secret).
   */
  public static Secret observed(Secret full) {
    ObjectMeta meta = full.getMetadata();
    Map<String, String> annotations = kept(meta.getAnnotations(), OWN_ANNOTATIONS);
    annotations.values().removeIf(v -> v.length() > MAX_KEPT_VALUE);
    annotations.put(Annotations.OBSERVED_FINGERPRINT, fingerprint(full));
    List<OwnerReference> controller =
        meta.getOwnerReferences() == null
            ? List.of()
            : meta.getOwnerReferences().stream()
                .filter(o -> Boolean.TRUE.equals(o.getController()))
                .limit(1)
                .map(
                    o ->
                        new OwnerReferenceBuilder()
                            .withUid(
                                o.getUid() != null && o.getUid().length() <= MAX_KEPT_VALUE
                                    ? o.getUid()
                                    : "(not a UID)")
                            .withController(true)
                            .build())
                .toList();
    return new SecretBuilder()
        .withMetadata(
            new ObjectMetaBuilder()
                .withName(meta.getName())
                .withNamespace(meta.getNamespace())
                .withUid(meta.getUid())
                .withResourceVersion(meta.getResourceVersion())
                .withDeletionTimestamp(meta.getDeletionTimestamp())
                .withLabels(kept(meta.getLabels(), OWN_LABELS))
                .withAnnotations(annotations)
                .withOwnerReferences(controller)
                .build())
        // claim() asks only whether the type is ours; a tenant's type string is not kept.
        .withType(DockerConfigJson.SECRET_TYPE.equals(full.getType()) ? full.getType() : OTHER_TYPE)
        .withImmutable(full.getImmutable())
        .build();
  }

  /**
   * Whether the Secret found (full, or as {@link #observed} keeps it) already is what the desired
   * one says: same type, data, our labels and annotations, and owner references. Labels and
   * annotations of other keys are not compared: rewriting on them would fight any webhook that adds
   * its own.
   */
  public static boolean upToDate(Secret existing, Secret desired) {
    var annotations = existing.getMetadata().getAnnotations();
    String seen = annotations == null ? null : annotations.get(Annotations.OBSERVED_FINGERPRINT);
    return (seen != null ? seen : fingerprint(existing)).equals(fingerprint(desired));
  }

  /**
   * The desired Secret as an in-place update of the one found: its resourceVersion guards against
   * concurrent change, and everything else (labels, annotations, owner references, data) is exactly
   * the desired Secret's.
   */
  public static Secret replacement(Secret existing, Secret desired) {
    return new SecretBuilder(desired)
        .editMetadata()
        .withResourceVersion(existing.getMetadata().getResourceVersion())
        .endMetadata()
        .build();
  }

  /**
   * SHA-256 over what {@link #upToDate} compares, with every field length-prefixed so that no two
   * different Secrets share an input.
   */
  static String fingerprint(Secret secret) {
    MessageDigest digest = sha256Digest();
    ObjectMeta meta = secret.getMetadata();
    field(digest, "type", secret.getType());
    field(digest, "immutable", String.valueOf(Boolean.TRUE.equals(secret.getImmutable())));
    entries(digest, "data", secret.getData());
    entries(digest, "labels", kept(meta.getLabels(), OWN_LABELS));
    entries(digest, "annotations", kept(meta.getAnnotations(), OWN_ANNOTATIONS));
    List<OwnerReference> owners =
        meta.getOwnerReferences() == null ? List.of() : meta.getOwnerReferences();
    for (OwnerReference o : owners) {
      field(digest, "owner", o.getUid() + "/" + Boolean.TRUE.equals(o.getController()));
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private static void entries(MessageDigest digest, String section, Map<String, String> values) {
    field(digest, section, values == null ? "0" : String.valueOf(values.size()));
    if (values != null) {
      new TreeMap<>(values)
          .forEach(
              (k, v) -> {
                field(digest, "k", k);
                field(digest, "v", v);
              });
    }
  }

  private static void field(MessageDigest digest, String name, String value) {
    for (String part : new String[] {name, value == null ? "\0" : value}) {
      byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
      digest.update(String.valueOf(bytes.length).getBytes(StandardCharsets.US_ASCII));
      digest.update((byte) ':');
      digest.update(bytes);
    }
  }

  private static Map<String, String> kept(Map<String, String> all, List<String> keys) {
    Map<String, String> result = new LinkedHashMap<>();
    if (all != null) {
      for (String key : keys) {
        if (all.containsKey(key)) {
          result.put(key, all.get(key));
        }
      }
    }
    return result;
  }

  /** Lower-case hex SHA-256 of a string's UTF-8 bytes. */
  public static String sha256(String value) {
    return HexFormat.of().formatHex(sha256Digest().digest(value.getBytes(StandardCharsets.UTF_8)));
  }

  private static MessageDigest sha256Digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JRE", e);
    }
  }

  /** The credential as controller owner; it never blocks the credential's deletion. */
  static OwnerReference controllerReference(ClusterRegistryCredential credential) {
    return CredentialRef.of(credential).controllerReference();
  }

  static String base64(String value) {
    return Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
  }
}
