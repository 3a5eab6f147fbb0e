package io.regcred.model;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import io.regcred.model.ManagedSecret.Claim;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What one namespace needs for a credential: the Secret step and the ServiceAccount edits, decided
 * from the desired Secret and what was observed there. The executor only carries it out.
 */
public record NamespacePlan(String namespace, SecretStep secret, List<AccountEdit> accounts) {

  public NamespacePlan {
    accounts = List.copyOf(accounts);
  }

  /** What happens to the Secret under the target name. */
  public sealed interface SecretStep {}

  /** Nothing stands there: create it. */
  public record Create(Secret desired) implements SecretStep {}

  /** Ours but different: replace it in place (same UID), guarded by its resourceVersion. */
  public record Update(Secret found, Secret replacement) implements SecretStep {}

  /** Ours and as desired. */
  public record InPlace() implements SecretStep {}

  /** Not ours, or ours but not updatable in place: reported, left untouched. */
  public record Blocked(Claim claim, Secret found) implements SecretStep {}

  /** Our entry added to ({@code add}) or removed from a ServiceAccount's imagePullSecrets. */
  public record AccountEdit(ServiceAccount serviceAccount, boolean add) {}

  /**
   * The plan for one namespace.
   *
   * @param found the Secret under the target name as the cache keeps it ({@link
   *     ManagedSecret#observed}), if any
   * @param serviceAccounts the namespace's ServiceAccounts
   */
  public static NamespacePlan plan(
      ClusterRegistryCredential credential,
      Secret desired,
      Optional<Secret> found,
      List<ServiceAccount> serviceAccounts) {
    return plan(CredentialRef.of(credential), desired, found, serviceAccounts);
  }

  /** {@link #plan(ClusterRegistryCredential, Secret, Optional, List)} for either kind. */
  public static NamespacePlan plan(
      CredentialRef credential,
      Secret desired,
      Optional<Secret> found,
      List<ServiceAccount> serviceAccounts) {
    String namespace = desired.getMetadata().getNamespace();
    SecretStep step;
    if (found.isEmpty()) {
      step = new Create(desired);
    } else {
      Claim claim = ManagedSecret.claim(found.get(), credential);
      if (claim != Claim.OURS) {
        // Our entry on ServiceAccounts would name a Secret we do not control: nothing is edited.
        return new NamespacePlan(namespace, new Blocked(claim, found.get()), List.of());
      }
      step =
          ManagedSecret.upToDate(found.get(), desired)
              ? new InPlace()
              : new Update(found.get(), ManagedSecret.replacement(found.get(), desired));
    }
    return new NamespacePlan(
        namespace,
        step,
        accountEdits(credential, desired.getMetadata().getName(), serviceAccounts));
  }

  /** Our entry added to selected ServiceAccounts, removed from ones no longer selected. */
  public static List<AccountEdit> accountEdits(
      CredentialRef credential, String secretName, List<ServiceAccount> serviceAccounts) {
    var target = credential.serviceAccounts();
    List<AccountEdit> edits = new ArrayList<>();
    for (ServiceAccount sa : serviceAccounts) {
      boolean selected =
          TargetSelection.serviceAccountSelected(
              target, sa.getMetadata().getName(), sa.getMetadata().getLabels());
      if (selected && !PullSecretEdit.references(sa, secretName)) {
        edits.add(new AccountEdit(sa, true));
      } else if (!selected && PullSecretEdit.added(sa).contains(secretName)) {
        edits.add(new AccountEdit(sa, false));
      }
    }
    return edits;
  }
}
