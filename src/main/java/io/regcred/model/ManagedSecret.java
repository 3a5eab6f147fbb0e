package io.regcred.model;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.regcred.Annotations;
import io.regcred.Labels;
import io.regcred.api.v1alpha1.DeletionPolicy;
import io.regcred.api.v1alpha1.RegistryCredential;
import io.regcred.provider.RegistryToken;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** The pull Secret a credential wants in one namespace, and how it compares to what is there. */
public final class ManagedSecret {

  private ManagedSecret() {}

  /** Whether a Secret was written by this operator for the named credential. */
  public static boolean ownedBy(Secret secret, String credentialName) {
    var labels = secret.getMetadata().getLabels();
    return labels != null
        && Labels.MANAGED_BY_VALUE.equals(labels.get(Labels.MANAGED_BY))
        && credentialName.equals(labels.get(Labels.CREDENTIAL));
  }

  /**
   * The desired Secret. It carries an owner reference to the credential unless the policy is
   * Retain, so a cluster's garbage collector cleans up even without the operator.
   */
  public static Secret desired(
      RegistryCredential credential, String namespace, RegistryToken token, String sourceHash) {
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
        credential.getSpec().effectiveDeletionPolicy() == DeletionPolicy.Retain
            ? List.of()
            : List.of(ownerReference(credential));
    return new SecretBuilder()
        .withNewMetadata()
        .withName(credential.targetSecretName())
        .withNamespace(namespace)
        .withLabels(
            Map.of(
                Labels.MANAGED_BY,
                Labels.MANAGED_BY_VALUE,
                Labels.CREDENTIAL,
                credential.getMetadata().getName()))
        .withAnnotations(annotations)
        .withOwnerReferences(owners)
        .endMetadata()
        .withType(DockerConfigJson.SECRET_TYPE)
        .withData(Map.of(DockerConfigJson.KEY, base64(json)))
        .build();
  }

  /** Whether the existing Secret already has everything the desired one says. */
  public static boolean upToDate(Secret existing, Secret desired) {
    ObjectMeta have = existing.getMetadata();
    ObjectMeta want = desired.getMetadata();
    return Objects.equals(existing.getType(), desired.getType())
        && Objects.equals(existing.getData(), desired.getData())
        && containsAll(have.getLabels(), want.getLabels())
        && containsAll(have.getAnnotations(), want.getAnnotations())
        && sameOwners(have.getOwnerReferences(), want.getOwnerReferences());
  }

  /**
   * The existing Secret brought up to date: data, our labels, annotations and owner references from
   * the desired one; anything else on it and its resourceVersion kept, so the write is an in-place
   * update guarded against concurrent change. Our expiry annotations are dropped when the desired
   * Secret has none, so a token that does not expire never shows an old expiry.
   */
  public static Secret updated(Secret existing, Secret desired) {
    Map<String, String> labels =
        merged(existing.getMetadata().getLabels(), desired.getMetadata().getLabels());
    Map<String, String> annotations =
        merged(existing.getMetadata().getAnnotations(), desired.getMetadata().getAnnotations());
    Map<String, String> wanted = desired.getMetadata().getAnnotations();
    for (String own : List.of(Annotations.ISSUED_AT, Annotations.EXPIRES_AT)) {
      if (wanted == null || !wanted.containsKey(own)) {
        annotations.remove(own);
      }
    }
    return new SecretBuilder(existing)
        .editMetadata()
        .withLabels(labels)
        .withAnnotations(annotations)
        .withOwnerReferences(desired.getMetadata().getOwnerReferences())
        .endMetadata()
        .withData(desired.getData())
        .withStringData(null)
        .build();
  }

  /** Lower-case hex SHA-256 of a string's UTF-8 bytes. */
  public static String sha256(String value) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JRE", e);
    }
  }

  private static OwnerReference ownerReference(RegistryCredential credential) {
    return new OwnerReferenceBuilder()
        .withApiVersion(credential.getApiVersion())
        .withKind(credential.getKind())
        .withName(credential.getMetadata().getName())
        .withUid(credential.getMetadata().getUid())
        .withBlockOwnerDeletion(false)
        .withController(true)
        .build();
  }

  private static String base64(String value) {
    return Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
  }

  private static boolean containsAll(Map<String, String> have, Map<String, String> want) {
    if (want == null || want.isEmpty()) {
      return true;
    }
    return have != null && have.entrySet().containsAll(want.entrySet());
  }

  private static boolean sameOwners(List<OwnerReference> have, List<OwnerReference> want) {
    List<String> haveUids =
        have == null ? List.of() : have.stream().map(OwnerReference::getUid).toList();
    List<String> wantUids =
        want == null ? List.of() : want.stream().map(OwnerReference::getUid).toList();
    return haveUids.equals(wantUids);
  }

  private static Map<String, String> merged(
      Map<String, String> base, Map<String, String> overrides) {
    Map<String, String> result = base == null ? new LinkedHashMap<>() : new LinkedHashMap<>(base);
    if (overrides != null) {
      result.putAll(overrides);
    }
    return result;
  }
}
