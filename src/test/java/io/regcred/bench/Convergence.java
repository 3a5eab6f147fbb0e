package io.regcred.bench;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.regcred.Annotations;
import io.regcred.Labels;
import io.regcred.model.PullSecretEdit;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;

/**
 * When each namespace got the pull Secret with the expected content and the entry in its {@code
 * default} ServiceAccount, as the API server's watch reports them: one informer on the credential's
 * Secrets (by label) and one on the {@code default} ServiceAccounts (by name), so measuring costs
 * the API server two watches, not a poll per namespace.
 */
final class Convergence implements AutoCloseable {

  private final String secretName;
  private final SharedIndexInformer<Secret> secrets;
  private final SharedIndexInformer<ServiceAccount> accounts;

  private final Map<String, String> contentHash = new HashMap<>();
  private final Map<String, Boolean> entry = new HashMap<>();
  private final Map<String, Long> doneAt = new HashMap<>();
  private String expectedHash;

  Convergence(KubernetesClient client, String credential, String secretName) {
    this.secretName = secretName;
    this.secrets =
        client
            .secrets()
            .inAnyNamespace()
            .withLabel(Labels.CREDENTIAL, credential)
            .inform(handler(this::secretSeen));
    this.accounts =
        client
            .serviceAccounts()
            .inAnyNamespace()
            .withField("metadata.name", "default")
            .inform(handler(this::accountSeen));
  }

  /**
   * From now on a namespace counts as done once its Secret carries this content hash and its
   * ServiceAccount our entry; times are {@link System#nanoTime} of the event that completed it.
   */
  synchronized void expect(String hash) {
    expectedHash = hash;
    doneAt.clear();
    contentHash.keySet().forEach(this::recompute);
  }

  /** When the last of these namespaces was done (nanoTime). */
  synchronized long awaitAll(Collection<String> namespaces, Duration timeout)
      throws InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long done = namespaces.stream().filter(doneAt::containsKey).count();
      if (done == namespaces.size()) {
        return namespaces.stream().mapToLong(doneAt::get).max().orElse(System.nanoTime());
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new TimeoutException(
            done + " of " + namespaces.size() + " namespaces done after " + timeout);
      }
      wait(Math.max(1, left / 1_000_000));
    }
  }

  /** Waits until none of these namespaces holds the Secret or the entry any more. */
  synchronized void awaitGone(Collection<String> namespaces, Duration timeout)
      throws InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (namespaces.stream()
        .anyMatch(ns -> contentHash.get(ns) != null || entry.getOrDefault(ns, false))) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new TimeoutException("Secrets or entries still there after " + timeout);
      }
      wait(Math.max(1, left / 1_000_000));
    }
  }

  private synchronized void secretSeen(Secret secret, boolean deleted) {
    String ns = secret.getMetadata().getNamespace();
    if (!secret.getMetadata().getName().equals(secretName)) {
      return;
    }
    var annotations = secret.getMetadata().getAnnotations();
    contentHash.put(
        ns, deleted || annotations == null ? null : annotations.get(Annotations.CONTENT_HASH));
    recompute(ns);
  }

  private synchronized void accountSeen(ServiceAccount account, boolean deleted) {
    String ns = account.getMetadata().getNamespace();
    entry.put(ns, !deleted && PullSecretEdit.references(account, secretName));
    recompute(ns);
  }

  private void recompute(String ns) {
    boolean done =
        expectedHash != null
            && expectedHash.equals(contentHash.get(ns))
            && entry.getOrDefault(ns, false);
    if (done) {
      doneAt.putIfAbsent(ns, System.nanoTime());
    } else {
      doneAt.remove(ns);
    }
    notifyAll();
  }

  private static <T extends HasMetadata> ResourceEventHandler<T> handler(
      BiConsumer<T, Boolean> seen) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T obj) {
        seen.accept(obj, false);
      }

      @Override
      public void onUpdate(T before, T obj) {
        seen.accept(obj, false);
      }

      @Override
      public void onDelete(T obj, boolean deletedFinalStateUnknown) {
        seen.accept(obj, true);
      }
    };
  }

  @Override
  public void close() {
    secrets.close();
    accounts.close();
  }
}
