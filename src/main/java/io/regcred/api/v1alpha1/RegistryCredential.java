package io.regcred.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.Required;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A registry credential a namespace keeps for itself: read or fetched with the namespace's own
 * Secrets or ServiceAccounts, written as one pull Secret into the same namespace. Namespace admins
 * may create one (the shipped edit role aggregates to {@code edit}); it can reach nothing outside
 * its namespace and never uses the operator's identity.
 */
@Group("regcred.io")
@Version("v1alpha1")
@ShortNames("regcred")
@AdditionalPrinterColumn(
    name = "Source",
    jsonPath = ".status.sourceKind",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Verified",
    jsonPath = ".status.conditions[?(@.type==\"Verified\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
// A timestamp, not an age: kubectl prints a future date column as <invalid>.
@AdditionalPrinterColumn(
    name = "Expires",
    jsonPath = ".status.expiresAt",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class RegistryCredential
    extends CustomResource<RegistryCredentialSpec, RegistryCredentialStatus> implements Namespaced {

  /** Required: an object without a spec would have nothing to reconcile or clean up. */
  @Override
  @Required
  public RegistryCredentialSpec getSpec() {
    return super.getSpec();
  }

  /** The Secret name written into the namespace: {@code spec.target.secretName}, else the name. */
  public String targetSecretName() {
    var target = getSpec() == null ? null : getSpec().getTarget();
    if (target != null && target.getSecretName() != null && !target.getSecretName().isEmpty()) {
      return target.getSecretName();
    }
    return getMetadata().getName();
  }

  /** The key its state goes by: namespace/name (a cluster-scoped name has no slash). */
  public String key() {
    return getMetadata().getNamespace() + "/" + getMetadata().getName();
  }
}
