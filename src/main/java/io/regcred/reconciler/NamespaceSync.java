package io.regcred.reconciler;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.regcred.api.v1alpha1.RegistryCredential;
import io.regcred.api.v1alpha1.RegistryCredentialStatus.SyncFailure;
import io.regcred.metrics.OperatorMetrics;
import io.regcred.model.ManagedSecret;
import io.regcred.model.PullSecretEdit;
import io.regcred.model.TargetSelection;
import java.net.HttpURLConnection;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings one namespace in line with a credential: the Secret written or updated in place, then our
 * entry on the selected ServiceAccounts. Reads come from the caches; a write happens only where
 * something differs.
 */
public class NamespaceSync {

  private static final Logger log = LoggerFactory.getLogger(NamespaceSync.class);

  private final KubernetesClient client;
  private final ClusterView view;
  private final ServiceAccountPatcher serviceAccounts;
  private final OperatorMetrics metrics;

  /**
   * Namespaces (per credential) where a foreign Secret holds our name; re-checked by reads only.
   */
  private final ConcurrentHashMap<String, Set<String>> knownConflicts = new ConcurrentHashMap<>();

  public NamespaceSync(
      KubernetesClient client,
      ClusterView view,
      ServiceAccountPatcher serviceAccounts,
      OperatorMetrics metrics) {
    this.metrics = metrics;
    this.client = client;
    this.view = view;
    this.serviceAccounts = serviceAccounts;
  }

  /** The outcome in one namespace. */
  public record Result(
      String namespace, SyncFailure failure, int writes, boolean rotated, boolean newConflict) {
    public boolean ok() {
      return failure == null;
    }
  }

  public Result sync(RegistryCredential credential, String namespace, Secret desired) {
    String credentialName = credential.getMetadata().getName();
    String secretName = desired.getMetadata().getName();
    int writes = 0;
    boolean rotated = false;
    try {
      Optional<Secret> existing = view.managedSecret(namespace, secretName);
      Set<String> conflicts =
          knownConflicts.computeIfAbsent(credentialName, k -> ConcurrentHashMap.newKeySet());
      if (existing.isEmpty() && conflicts.contains(namespace)) {
        existing = Optional.ofNullable(readSecret(namespace, secretName));
        if (existing.isPresent() && !ManagedSecret.ownedBy(existing.get(), credentialName)) {
          return conflict(namespace, secretName, existing.get(), false);
        }
        conflicts.remove(namespace);
      }
      if (existing.isPresent() && !ManagedSecret.ownedBy(existing.get(), credentialName)) {
        boolean isNew = conflicts.add(namespace);
        return conflict(namespace, secretName, existing.get(), isNew);
      }
      if (existing.isEmpty()) {
        try {
          Secret created = client.resource(desired).create();
          view.secretWritten(created, null);
          metrics.write("secret", "created");
          writes++;
          log.info(
              "created secret credential={} namespace={} secret={}",
              credentialName,
              namespace,
              secretName);
        } catch (KubernetesClientException e) {
          if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
            throw e;
          }
          Secret found = readSecret(namespace, secretName);
          if (found != null && !ManagedSecret.ownedBy(found, credentialName)) {
            conflicts.add(namespace);
            return conflict(namespace, secretName, found, true);
          }
          existing = Optional.ofNullable(found);
        }
      }
      if (existing.isPresent() && !ManagedSecret.upToDate(existing.get(), desired)) {
        Secret previous = existing.get();
        Secret updated = client.resource(ManagedSecret.updated(previous, desired)).update();
        view.secretWritten(updated, previous);
        metrics.write("secret", "updated");
        writes++;
        rotated = !Objects.equals(previous.getData(), desired.getData());
        log.info(
            "updated secret credential={} namespace={} secret={} credentialChanged={}",
            credentialName,
            namespace,
            secretName,
            rotated);
      }
      writes += patchServiceAccounts(credential, namespace, secretName);
      return new Result(namespace, null, writes, rotated, false);
    } catch (KubernetesClientException e) {
      metrics.write("secret", "failed");
      log.warn(
          "sync failed credential={} namespace={} code={} reason={}",
          credentialName,
          namespace,
          e.getCode(),
          ApiErrors.describe(e));
      return new Result(
          namespace,
          new SyncFailure(namespace, ApiErrors.reason(e), ApiErrors.describe(e)),
          writes,
          rotated,
          false);
    }
  }

  /** Our entry added to selected ServiceAccounts, and removed from ones no longer selected. */
  private int patchServiceAccounts(
      RegistryCredential credential, String namespace, String secretName) {
    var target = credential.getSpec().getTarget().getServiceAccounts();
    int writes = 0;
    for (ServiceAccount sa : view.serviceAccounts(namespace)) {
      boolean selected =
          TargetSelection.serviceAccountSelected(
              target, sa.getMetadata().getName(), sa.getMetadata().getLabels());
      if (selected && !PullSecretEdit.references(sa, secretName)) {
        if (serviceAccounts.addEntry(sa, secretName)) {
          metrics.write("serviceaccount", "updated");
          writes++;
          log.info(
              "added pull secret credential={} namespace={} serviceAccount={}",
              credential.getMetadata().getName(),
              namespace,
              sa.getMetadata().getName());
        }
      } else if (!selected && PullSecretEdit.added(sa).contains(secretName)) {
        if (serviceAccounts.removeEntry(sa, secretName)) {
          metrics.write("serviceaccount", "updated");
          writes++;
        }
      }
    }
    return writes;
  }

  /** Forgets what was learned about a deleted credential. */
  public void forget(String credentialName) {
    knownConflicts.remove(credentialName);
  }

  private Secret readSecret(String namespace, String name) {
    return client.secrets().inNamespace(namespace).withName(name).get();
  }

  private Result conflict(String namespace, String secretName, Secret found, boolean isNew) {
    var labels = found.getMetadata().getLabels();
    String owner = labels == null ? null : labels.get(io.regcred.Labels.CREDENTIAL);
    String message =
        "Secret "
            + namespace
            + "/"
            + secretName
            + (owner == null
                ? " exists and is not managed by regcred-operator; left untouched"
                : " belongs to RegistryCredential " + owner + "; left untouched");
    return new Result(namespace, new SyncFailure(namespace, "Conflict", message), 0, false, isNew);
  }
}
