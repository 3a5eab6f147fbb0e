package io.regcred.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/**
 * What a namespaced RegistryCredential fetches and where in its own namespace it writes it. No
 * field names another namespace: the source is read and the Secret written in the credential's own.
 */
public class RegistryCredentialSpec {

  @Required
  @JsonPropertyDescription(
      "Where the registry credential comes from: exactly one of ecr, acr, gar or static, each read"
          + " or fetched with this namespace's own Secrets or ServiceAccounts.")
  private LocalSource source;

  @JsonPropertyDescription(
      "The Secret written into this namespace and the ServiceAccounts here that reference it.")
  private LocalTarget target;

  @JsonPropertyDescription("When to refresh an expiring token.")
  private Refresh refresh;

  @JsonPropertyDescription(
      "Delete (default) removes the written Secret and ServiceAccount entries when this resource is"
          + " deleted; Retain leaves the Secret in place.")
  private DeletionPolicy deletionPolicy;

  @JsonPropertyDescription(
      "Proving each new credential against its registries: on by default, with extra trusted"
          + " certificate authorities for private registries.")
  private Verification verification;

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

  public Refresh getRefresh() {
    return refresh;
  }

  public void setRefresh(Refresh refresh) {
    this.refresh = refresh;
  }

  public DeletionPolicy getDeletionPolicy() {
    return deletionPolicy;
  }

  public void setDeletionPolicy(DeletionPolicy deletionPolicy) {
    this.deletionPolicy = deletionPolicy;
  }

  public Verification getVerification() {
    return verification;
  }

  public void setVerification(Verification verification) {
    this.verification = verification;
  }

  /** The effective policy: {@link DeletionPolicy#Delete} unless set. */
  public DeletionPolicy effectiveDeletionPolicy() {
    return deletionPolicy == null ? DeletionPolicy.Delete : deletionPolicy;
  }
}
