package io.regcred.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A registry credential that the operator keeps alive as a pull Secret in many namespaces.
 * Cluster-scoped on purpose: it writes into many namespaces, so only a cluster admin may create
 * one.
 */
@Group("regcred.io")
@Version("v1alpha1")
@ShortNames("cregcred")
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
@AdditionalPrinterColumn(
    name = "Synced",
    jsonPath = ".status.namespaces.summary",
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
public class ClusterRegistryCredential
    extends CustomResource<ClusterRegistryCredentialSpec, RegistryCredentialStatus> {

  /**
   * The Secret name written into target namespaces: {@code spec.target.secretName}, else the
   * resource name.
   */
  public String targetSecretName() {
    var target = getSpec() == null ? null : getSpec().getTarget();
    if (target != null && target.getSecretName() != null && !target.getSecretName().isEmpty()) {
      return target.getSecretName();
    }
    return getMetadata().getName();
  }
}
