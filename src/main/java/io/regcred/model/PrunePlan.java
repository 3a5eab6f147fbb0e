package io.regcred.model;

import io.fabric8.kubernetes.api.model.Secret;
import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import io.regcred.api.v1alpha1.DeletionPolicy;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * Which of a credential's Secrets go: those in namespaces that left the target set, and those under
 * an old name once the new one is in place in that namespace (make before break). Only Secrets with
 * our owner reference are ever removed, never under {@code Retain}, and never in a namespace that
 * is being deleted (its contents go anyway).
 */
public final class PrunePlan {

  private PrunePlan() {}

  /**
   * @param ours the credential's Secrets as the cache keeps them
   * @param targets the namespaces the credential targets now
   * @param landed target namespaces where the Secret under the current name is in place
   * @param active namespaces that exist and are not terminating
   */
  public static List<Secret> prunable(
      ClusterRegistryCredential credential,
      Collection<Secret> ours,
      Set<String> targets,
      Set<String> landed,
      Set<String> active) {
    if (credential.getSpec().effectiveDeletionPolicy() == DeletionPolicy.Retain) {
      return List.of();
    }
    String name = credential.targetSecretName();
    return ours.stream()
        .filter(s -> ManagedSecret.removable(s, credential))
        .filter(s -> active.contains(s.getMetadata().getNamespace()))
        .filter(
            s -> {
              String ns = s.getMetadata().getNamespace();
              boolean current = name.equals(s.getMetadata().getName());
              return targets.contains(ns) ? !current && landed.contains(ns) : true;
            })
        .toList();
  }
}
