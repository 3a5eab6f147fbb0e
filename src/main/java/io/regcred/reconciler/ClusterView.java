package io.regcred.reconciler;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** The informer caches a reconcile reads from, so that a steady state costs no API reads. */
public interface ClusterView {

  Collection<Namespace> namespaces();

  Optional<Namespace> namespace(String name);

  /** A Secret carrying our managed-by label (only those are cached). */
  Optional<Secret> managedSecret(String namespace, String name);

  /** Every Secret written for the named credential. */
  List<Secret> secretsOf(String credentialName);

  List<ServiceAccount> serviceAccounts(String namespace);

  /** The Secrets carrying our managed-by label in a namespace. */
  List<Secret> managedSecretsIn(String namespace);

  /** Tells the cache about our own write, so the next reconcile does not act on a stale copy. */
  void secretWritten(Secret written, Secret previous);

  /**
   * Tells the cache about our own write of a ServiceAccount (its echo then marks nothing for a
   * pass, and a pass before the echo arrives starts from what was written).
   */
  void serviceAccountWritten(ServiceAccount written, ServiceAccount previous);
}
