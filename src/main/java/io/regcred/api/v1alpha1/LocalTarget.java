package io.regcred.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;

/**
 * The pull Secret in the RegistryCredential's own namespace and the ServiceAccounts there that
 * reference it. There is no namespace field on purpose.
 */
public class LocalTarget {

  @Size(max = 253)
  @Pattern(Validation.DNS_SUBDOMAIN)
  @JsonPropertyDescription(
      "Name of the Secret written into this namespace (a DNS-1123 subdomain); default: the"
          + " RegistryCredential's name.")
  private String secretName;

  @JsonPropertyDescription(
      "ServiceAccounts of this namespace to which the Secret is added; default: names [default].")
  private ServiceAccountTarget serviceAccounts;

  public String getSecretName() {
    return secretName;
  }

  public void setSecretName(String secretName) {
    this.secretName = secretName;
  }

  public ServiceAccountTarget getServiceAccounts() {
    return serviceAccounts;
  }

  public void setServiceAccounts(ServiceAccountTarget serviceAccounts) {
    this.serviceAccounts = serviceAccounts;
  }
}
