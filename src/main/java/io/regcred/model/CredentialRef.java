package io.regcred.model;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.regcred.Labels;
import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import io.regcred.api.v1alpha1.DeletionPolicy;
import io.regcred.api.v1alpha1.RegistryCredential;
import io.regcred.api.v1alpha1.ServiceAccountTarget;
import java.util.Map;

/**
 * What writing a pull Secret needs to know of the credential behind it, of either kind: who owns
 * the Secret, the label that names it, the Secret's name and the ServiceAccounts to patch.
 *
 * @param key what the operator's state goes by: the name of a cluster-scoped credential, or
 *     namespace/name of a namespaced one
 * @param labelKey the label naming the credential on its Secrets; the kinds use different ones, so
 *     that a Secret labelled for one kind is never taken for the other's
 */
public record CredentialRef(
    String key,
    String name,
    String apiVersion,
    String kind,
    String uid,
    String labelKey,
    String secretName,
    ServiceAccountTarget serviceAccounts,
    boolean retain) {

  public static CredentialRef of(ClusterRegistryCredential credential) {
    var spec = credential.getSpec();
    return new CredentialRef(
        credential.getMetadata().getName(),
        credential.getMetadata().getName(),
        credential.getApiVersion(),
        credential.getKind(),
        credential.getMetadata().getUid(),
        Labels.CREDENTIAL,
        credential.targetSecretName(),
        spec.getTarget() == null ? null : spec.getTarget().getServiceAccounts(),
        spec.effectiveDeletionPolicy() == DeletionPolicy.Retain);
  }

  public static CredentialRef of(RegistryCredential credential) {
    var spec = credential.getSpec();
    return new CredentialRef(
        credential.key(),
        credential.getMetadata().getName(),
        credential.getApiVersion(),
        credential.getKind(),
        credential.getMetadata().getUid(),
        Labels.NAMESPACED_CREDENTIAL,
        credential.targetSecretName(),
        spec.getTarget() == null ? null : spec.getTarget().getServiceAccounts(),
        spec.effectiveDeletionPolicy() == DeletionPolicy.Retain);
  }

  /** The labels of every Secret written for this credential. */
  public Map<String, String> labels() {
    return Map.of(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE, labelKey, name);
  }

  /** The credential as controller owner; it never blocks the credential's deletion. */
  public OwnerReference controllerReference() {
    return new OwnerReferenceBuilder()
        .withApiVersion(apiVersion)
        .withKind(kind)
        .withName(name)
        .withUid(uid)
        .withBlockOwnerDeletion(false)
        .withController(true)
        .build();
  }
}
