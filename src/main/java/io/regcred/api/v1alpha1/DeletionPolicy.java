package io.regcred.api.v1alpha1;

/** What happens to written Secrets when the credential is deleted or a namespace stops matching. */
public enum DeletionPolicy {
  /** Remove our Secrets and our ServiceAccount entries. */
  Delete,
  /** Leave the Secrets in place; ServiceAccount entries are left too, so pods keep pulling. */
  Retain
}
