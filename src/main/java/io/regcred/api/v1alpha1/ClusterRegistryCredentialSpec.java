package io.regcred.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** What to fetch, where to write it, and when to refresh it. */
public class ClusterRegistryCredentialSpec {

  @Required
  @JsonPropertyDescription(
      "Where the registry credential comes from: exactly one of ecr, acr, gar or static.")
  private Source source;

  @Required
  @JsonPropertyDescription(
      "Which namespaces receive the pull Secret and which ServiceAccounts reference it.")
  private Target target;

  @JsonPropertyDescription("When to refresh an expiring token.")
  private Refresh refresh;

  @JsonPropertyDescription(
      "Delete (default) removes the written Secrets and ServiceAccount entries when this resource is"
          + " deleted or a namespace leaves the target set; Retain leaves the Secrets in place.")
  private DeletionPolicy deletionPolicy;

  @JsonPropertyDescription(
      "Proving each new credential against its registries: on by default, with extra trusted"
          + " certificate authorities for private registries.")
  private Verification verification;

  public Source getSource() {
    return source;
  }

  public void setSource(Source source) {
    this.source = source;
  }

  public Target getTarget() {
    return target;
  }

  public void setTarget(Target target) {
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
