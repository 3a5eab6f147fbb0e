package io.regcred.reconciler;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.regcred.Annotations;
import io.regcred.Labels;
import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import io.regcred.api.v1alpha1.RegistryCredentialStatus.SyncFailure;
import io.regcred.metrics.OperatorMetrics;
import io.regcred.model.CredentialRef;
import io.regcred.model.DockerConfigJson;
import io.regcred.model.ManagedSecret;
import io.regcred.model.ManagedSecret.Claim;
import io.regcred.model.NamespacePlan;
import io.regcred.model.NamespacePlan.AccountEdit;
import io.regcred.model.NamespacePlan.Blocked;
import io.regcred.model.NamespacePlan.Create;
import io.regcred.model.NamespacePlan.Update;
import io.regcred.model.PullSecretEdit;
import io.regcred.model.Reason;
import java.net.HttpURLConnection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that writes a credential's Secrets and ServiceAccount entries. Brings one namespace
 * in line with a credential: gathers what is there (from the caches, or by a read where the cache
 * cannot know), asks {@link NamespacePlan} what to do, and does it. A create that finds a Secret
 * already there gathers and plans again with what it found. Also removes what {@code PrunePlan}
 * prunes and releases what {@code Retain} keeps.
 */
public class NamespaceSync {

  /**
   * Each write is logged at DEBUG: at INFO a rotation of thousands of namespaces would be thousands
   * of lines; the pass's summary (namespaces examined, synced, failed, writes) is at INFO.
   */
  private static final Logger log = LoggerFactory.getLogger(NamespaceSync.class);

  private final KubernetesClient client;
  private final ClusterView view;
  private final ServiceAccountPatcher serviceAccounts;
  private final OperatorMetrics metrics;

  /**
   * Namespaces (per credential) where a Secret without our label holds our name: the cache does not
   * see those, so they are read again on each pass.
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

  /**
   * The outcome in one namespace.
   *
   * @param landed whether the Secret under the target name is ours and as desired afterwards
   */
  public record Result(
      String namespace,
      SyncFailure failure,
      int writes,
      boolean rotated,
      boolean newConflict,
      boolean landed) {
    public boolean ok() {
      return failure == null;
    }
  }

  public Result sync(ClusterRegistryCredential credential, String namespace, Secret desired) {
    return sync(CredentialRef.of(credential), namespace, desired);
  }

  /** {@link #sync(ClusterRegistryCredential, String, Secret)} for a credential of either kind. */
  public Result sync(CredentialRef credential, String namespace, Secret desired) {
    String credentialName = credential.key();
    String secretName = desired.getMetadata().getName();
    Set<String> conflicts =
        knownConflicts.computeIfAbsent(credentialName, k -> ConcurrentHashMap.newKeySet());
    int writes = 0;
    boolean rotated = false;
    try {
      Optional<Secret> found = view.managedSecret(namespace, secretName);
      if (found.isEmpty() && conflicts.contains(namespace)) {
        found = readSecret(namespace, secretName);
      }
      NamespacePlan plan =
          NamespacePlan.plan(credential, desired, found, view.serviceAccounts(namespace));
      if (plan.secret() instanceof Create create) {
        try {
          Secret created = client.resource(create.desired()).create();
          view.secretWritten(created, null);
          metrics.write("secret", "created");
          writes++;
          log.debug(
              "created secret credential={} namespace={} secret={}",
              credentialName,
              namespace,
              secretName);
        } catch (KubernetesClientException e) {
          if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
            throw e;
          }
          // Someone else's Secret, or ours with its label stripped: plan again with what is there.
          plan =
              NamespacePlan.plan(
                  credential,
                  desired,
                  readSecret(namespace, secretName),
                  view.serviceAccounts(namespace));
          if (plan.secret() instanceof Create) {
            // Gone again between the create and the read: not in place, so retried.
            return new Result(
                namespace,
                new SyncFailure(
                    namespace,
                    Reason.WriteConflict.name(),
                    "Secret "
                        + namespace
                        + "/"
                        + secretName
                        + " changed while it was written; retrying"),
                writes,
                false,
                false,
                false);
          }
        }
      }
      if (plan.secret() instanceof Blocked blocked) {
        return conflict(
            namespace,
            secretName,
            blocked.found().getMetadata().getLabels(),
            blocked.claim(),
            conflicts.add(namespace));
      }
      conflicts.remove(namespace);
      if (plan.secret() instanceof Update update) {
        Secret updated = client.resource(update.replacement()).update();
        view.secretWritten(updated, update.found());
        metrics.write("secret", "updated");
        writes++;
        rotated = !contentHash(update.found()).equals(contentHash(desired));
        log.debug(
            "updated secret credential={} namespace={} secret={} credentialChanged={}",
            credentialName,
            namespace,
            secretName,
            rotated);
      }
      for (AccountEdit edit : plan.accounts()) {
        writes += edit(credentialName, namespace, secretName, edit);
      }
      return new Result(namespace, null, writes, rotated, false, true);
    } catch (KubernetesClientException e) {
      metrics.write("secret", "failed");
      String why = ApiErrors.describe(e);
      log.warn(
          "sync failed credential={} namespace={} code={} reason={}",
          credentialName,
          namespace,
          e.getCode(),
          why);
      return new Result(
          namespace,
          new SyncFailure(namespace, ApiErrors.reason(e), why),
          writes,
          rotated,
          false,
          false);
    }
  }

  private int edit(String credential, String namespace, String secretName, AccountEdit edit) {
    var sa = edit.serviceAccount();
    Optional<ServiceAccount> written =
        edit.add()
            ? serviceAccounts.addEntry(sa, secretName)
            : serviceAccounts.removeEntry(sa, secretName);
    if (written.isEmpty()) {
      return 0;
    }
    view.serviceAccountWritten(written.get(), sa);
    metrics.write("serviceaccount", "updated");
    log.debug(
        "{} pull secret credential={} namespace={} serviceAccount={}",
        edit.add() ? "added" : "removed",
        credential,
        namespace,
        sa.getMetadata().getName());
    return 1;
  }

  private static String contentHash(Secret secret) {
    var annotations = secret.getMetadata().getAnnotations();
    return annotations == null ? "" : annotations.getOrDefault(Annotations.CONTENT_HASH, "");
  }

  /** Our entry off the ServiceAccounts, then the Secret itself; gone objects are fine. */
  public int remove(Secret secret) {
    String ns = secret.getMetadata().getNamespace();
    String secretName = secret.getMetadata().getName();
    int writes = 0;
    for (ServiceAccount sa : view.serviceAccounts(ns)) {
      if (PullSecretEdit.added(sa).contains(secretName)) {
        Optional<ServiceAccount> written = serviceAccounts.removeEntry(sa, secretName);
        if (written.isPresent()) {
          view.serviceAccountWritten(written.get(), sa);
          writes++;
        }
      }
    }
    try {
      // Only the version we saw: a Secret someone put in its place meanwhile is not ours to delete.
      client
          .resource(secret)
          .lockResourceVersion(secret.getMetadata().getResourceVersion())
          .delete();
      writes++;
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_NOT_FOUND
          && e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      }
    }
    return writes;
  }

  /**
   * Our owner reference off a Secret that stays ({@code Retain}), read whole first so that nothing
   * else on it is lost; returns the writes made.
   */
  public int release(ClusterRegistryCredential credential, Secret observed) {
    return release(credential.getMetadata().getUid(), observed);
  }

  /** {@link #release(ClusterRegistryCredential, Secret)} by the credential's UID. */
  public int release(String credentialUid, Secret observed) {
    Secret full =
        client
            .secrets()
            .inNamespace(observed.getMetadata().getNamespace())
            .withName(observed.getMetadata().getName())
            .get();
    if (full == null || !ManagedSecret.removable(full, credentialUid)) {
      return 0;
    }
    full.getMetadata()
        .setOwnerReferences(
            full.getMetadata().getOwnerReferences().stream()
                .filter(o -> !credentialUid.equals(o.getUid()))
                .toList());
    client.resource(full).update();
    return 1;
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

  private static Result conflict(
      String namespace, String secretName, Map<String, String> labels, Claim claim, boolean isNew) {
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
            String owner = labels == null ? null : labels.get(Labels.CREDENTIAL);
            String namespaced = labels == null ? null : labels.get(Labels.NAMESPACED_CREDENTIAL);
            yield where
                + (owner != null
                    ? " is not this credential's (it names ClusterRegistryCredential "
                        + owner
                        + "); left untouched"
                    : namespaced != null
                        ? " is not this credential's (it names RegistryCredential "
                            + namespace
                            + "/"
                            + namespaced
                            + "); left untouched"
                        : " exists and is not managed by regcred-operator; left untouched");
          }
        };
    return new Result(
        namespace, new SyncFailure(namespace, claim.reason(), message), 0, false, isNew, false);
  }
}
