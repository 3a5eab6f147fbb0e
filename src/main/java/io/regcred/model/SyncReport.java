package io.regcred.model;

import io.regcred.api.v1alpha1.RegistryCredentialStatus.SyncFailure;
import java.util.List;

/**
 * What one pass over the target namespaces achieved.
 *
 * @param targeted namespaces in the target set
 * @param synced namespaces whose Secret and ServiceAccounts are up to date
 * @param failures the namespaces that are not, with reasons
 * @param rotated whether a Secret's credential changed in this pass
 * @param writes API writes issued (creates, updates, deletes)
 */
public record SyncReport(
    int targeted, int synced, List<SyncFailure> failures, boolean rotated, int writes) {

  public SyncReport {
    failures = List.copyOf(failures);
  }
}
