package io.regcred.reconciler;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.regcred.Annotations;
import io.regcred.Labels;
import io.regcred.api.v1alpha1.RegistryCredential;
import io.regcred.api.v1alpha1.RegistryCredentialStatus.SyncFailure;
import io.regcred.metrics.OperatorMetrics;
import io.regcred.model.DockerConfigJson;
import io.regcred.model.ManagedSecret;
import io.regcred.model.ManagedSecret.Claim;
import io.regcred.model.PullSecretEdit;
import io.regcred.model.TargetSelection;
import java.net.HttpURLConnection;
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
        // A Secret without our label is not cached: look again, by a read, whether it is gone.
        existing = readSecret(namespace, secretName);
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
          existing = readSecret(namespace, secretName);
        }
      }
      if (existing.isPresent()) {
        Claim claim = ManagedSecret.claim(existing.get(), credential);
        if (claim != Claim.OURS) {
          return conflict(namespace, secretName, existing.get(), claim, conflicts.add(namespace));
        }
        conflicts.remove(namespace);
        if (!ManagedSecret.upToDate(existing.get(), desired)) {
          Secret previous = existing.get();
          Secret updated = client.resource(ManagedSecret.replacement(previous, desired)).update();
          view.secretWritten(updated, previous);
          metrics.write("secret", "updated");
          writes++;
          rotated = !contentHash(previous).equals(contentHash(desired));
          log.info(
              "updated secret credential={} namespace={} secret={} credentialChanged={}",
              credentialName,
              namespace,
              secretName,
              rotated);
        }
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

  private static String contentHash(Secret secret) {
    var annotations = secret.getMetadata().getAnnotations();
    return annotations == null ? "" : annotations.getOrDefault(Annotations.CONTENT_HASH, "");
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

  /** A Secret read past the cache, kept only as the cache would keep it. */
  private Optional<Secret> readSecret(String namespace, String name) {
    return Optional.ofNullable(client.secrets().inNamespace(namespace).withName(name).get())
        .map(ManagedSecret::observed);
  }

  private Result conflict(
      String namespace, String secretName, Secret found, Claim claim, boolean isNew) {
    String where = "Secret " + namespace + "/" + secretName;
    String message =
        switch (claim) {
          case WRONG_TYPE ->
              where
                  + " is not of type "
                  + DockerConfigJson.SECRET_TYPE
                  + " and a type cannot be changed in place; delete it and it is written again";
          case IMMUTABLE ->
              where
                  + " is immutable, so it cannot be updated in place; delete it and it is written"
                  + " again";
          default -> {
            var labels = found.getMetadata().getLabels();
            String owner = labels == null ? null : labels.get(Labels.CREDENTIAL);
            yield where
                + (owner == null
                    ? " exists and is not managed by regcred-operator; left untouched"
                    : " is not this credential's (it names RegistryCredential "
                        + owner
                        + "); left untouched");
          }
        };
    return new Result(
        namespace, new SyncFailure(namespace, claim.reason(), message), 0, false, isNew);
  }
}
