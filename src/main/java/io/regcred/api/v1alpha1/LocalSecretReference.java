package io.regcred.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/**
 * A Secret in the RegistryCredential's own namespace. There is no namespace field on purpose: a
 * namespaced credential cannot name another namespace's Secret.
 */
public class LocalSecretReference {

  @Required
  @Size(max = 253)
  @Pattern(Validation.DNS_SUBDOMAIN)
  @JsonPropertyDescription("Name of a Secret in this RegistryCredential's namespace.")
  private String name;

  public LocalSecretReference() {}

  public LocalSecretReference(String name) {
    this.name = name;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }
}
