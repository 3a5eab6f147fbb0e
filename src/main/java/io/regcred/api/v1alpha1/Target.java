package io.regcred.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** Where the pull Secret goes. */
public class Target {

  @Size(max = 253)
  @Pattern(Validation.DNS_SUBDOMAIN)
  @JsonPropertyDescription(
      "Name of the Secret written into each target namespace (a DNS-1123 subdomain); default: the"
          + " ClusterRegistryCredential's name. Pods that list imagePullSecrets themselves use this name.")
  private String secretName;

  @Required
  @JsonPropertyDescription("Target namespaces: names and selector together, minus exclude.")
  private NamespaceTarget namespaces;

  @JsonPropertyDescription(
      "ServiceAccounts to which the Secret is added; default: names [default].")
  private ServiceAccountTarget serviceAccounts;

  public String getSecretName() {
    return secretName;
  }

  public void setSecretName(String secretName) {
    this.secretName = secretName;
  }

  public NamespaceTarget getNamespaces() {
    return namespaces;
  }

  public void setNamespaces(NamespaceTarget namespaces) {
    this.namespaces = namespaces;
  }

  public ServiceAccountTarget getServiceAccounts() {
    return serviceAccounts;
  }

  public void setServiceAccounts(ServiceAccountTarget serviceAccounts) {
    this.serviceAccounts = serviceAccounts;
  }
}
