package io.regcred.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/**
 * What a namespaced RegistryCredential fetches and where in its own namespace it writes it. No
 * field names another namespace: the source is read and the Secret written in the credential's own.
 */
public class RegistryCredentialSpec extends CommonSpec {

  @Required
  @JsonPropertyDescription(
      "Where the registry credential comes from: exactly one of ecr, acr, gar or static, each read"
          + " or fetched with this namespace's own Secrets or ServiceAccounts.")
  private LocalSource source;

  @JsonPropertyDescription(
      "The Secret written into this namespace and the ServiceAccounts here that reference it.")
  private LocalTarget target;

  public LocalSource getSource() {
    return source;
  }

  public void setSource(LocalSource source) {
    this.source = source;
  }

  public LocalTarget getTarget() {
    return target;
  }

  public void setTarget(LocalTarget target) {
    this.target = target;
  }
}
