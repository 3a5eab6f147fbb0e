package io.regcred.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** What both kinds' specs hold beyond source and target: refresh, deletion and verification. */
public abstract class CommonSpec {

  @JsonPropertyDescription("When to refresh an expiring token.")
  private Refresh refresh;

  @JsonPropertyDescription(
      "Delete (default) removes the written Secrets and ServiceAccount entries when this resource is"
          + " deleted (and, for a ClusterRegistryCredential, from a namespace it no longer targets);"
          + " Retain leaves the Secrets in place.")
  private DeletionPolicy deletionPolicy;

  @JsonPropertyDescription(
      "Proving each new credential against its registries: on by default, with extra trusted"
          + " certificate authorities for private registries.")
  private Verification verification;

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
