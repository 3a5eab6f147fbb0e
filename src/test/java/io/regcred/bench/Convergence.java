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
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.function.Predicate;

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

  /** The content hashes expected so far, oldest first: the last is the one expected now. */
  private final List<String> generations = new ArrayList<>();

  /** Namespaces done with the hash of this generation or of a later one ({@link #pin}). */
  private final Map<String, Integer> pinned = new HashMap<>();

  /** The content hash of the Secret written last. */
  private String newestHash;

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
   * Pinned namespaces keep what they accept. Returns the time the expectation changed.
   */
  synchronized long expect(String hash) {
    generations.add(hash);
    doneAt.keySet().removeIf(ns -> !pinned.containsKey(ns));
    contentHash.keySet().forEach(this::recompute);
    return System.nanoTime();
  }

  /**
   * From now on this namespace counts as done with the hash expected now or any expected later,
   * whatever {@link #expect} says meanwhile: a namespace created during a rotation is done when it
   * has the credential of that rotation or a newer one. Returns the time it was pinned.
   */
  synchronized long pin(String ns) {
    pinned.put(ns, generations.size() - 1);
    doneAt.remove(ns);
    recompute(ns);
    return System.nanoTime();
  }

  /** Every namespace needs the hash expected now again. */
  synchronized void unpinAll() {
    pinned.clear();
    contentHash.keySet().forEach(this::recompute);
  }

  /** When the last of these namespaces was done (nanoTime). */
  synchronized long awaitAll(Collection<String> namespaces, Duration timeout)
      throws InterruptedException, TimeoutException {
    awaitEvery(namespaces, doneAt::containsKey, timeout, "done");
    return namespaces.stream().mapToLong(doneAt::get).max().orElse(System.nanoTime());
  }

  /**
   * Waits until every one of these namespaces has the entry and a Secret with one and the same
   * content hash, none of {@code before}, and returns that hash: a rotation whose content the
   * benchmark cannot know beforehand (a token from a cloud provider) has reached them all.
   */
  synchronized String awaitUniform(
      Collection<String> namespaces, Set<String> before, Duration timeout)
      throws InterruptedException, TimeoutException {
    awaitEvery(
        namespaces,
        ns ->
            newestHash != null
                && !before.contains(newestHash)
                && newestHash.equals(contentHash.get(ns))
                && entry.getOrDefault(ns, false),
        timeout,
        "with new content");
    return newestHash;
  }

  /** Waits until each of these namespaces has the Secret, whatever its content, and the entry. */
  synchronized void awaitWritten(Collection<String> namespaces, Duration timeout)
      throws InterruptedException, TimeoutException {
    awaitEvery(
        namespaces,
        ns -> contentHash.get(ns) != null && entry.getOrDefault(ns, false),
        timeout,
        "with the Secret and the entry");
  }

  /** Waits until none of these namespaces holds the Secret or the entry any more. */
  synchronized void awaitGone(Collection<String> namespaces, Duration timeout)
      throws InterruptedException, TimeoutException {
    awaitEvery(
        namespaces,
        ns -> contentHash.get(ns) == null && !entry.getOrDefault(ns, false),
        timeout,
        "without the Secret and the entry");
  }

  /**
   * Waits until {@code holds} is true of every namespace at once. Namespaces are checked in order
   * from the first not seen to hold, and all of them again before returning: at 5,000 namespaces a
   * check of all after every event would cost the benchmark's JVM, which shares the machine with
   * the operator, more CPU than the events themselves.
   */
  private void awaitEvery(
      Collection<String> namespaces, Predicate<String> holds, Duration timeout, String what)
      throws InterruptedException, TimeoutException {
    List<String> all = List.copyOf(namespaces);
    long deadline = System.nanoTime() + timeout.toNanos();
    int next = 0;
    while (true) {
      while (next < all.size() && holds.test(all.get(next))) {
        next++;
      }
      if (next == all.size()) {
        next = firstNotHolding(all, holds);
        if (next < 0) {
          return;
        }
        continue;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        long holding = all.stream().filter(holds).count();
        throw new TimeoutException(
            holding + " of " + all.size() + " namespaces " + what + " after " + timeout);
      }
      wait(Math.max(1, left / 1_000_000));
    }
  }

  private static int firstNotHolding(List<String> namespaces, Predicate<String> holds) {
    for (int i = 0; i < namespaces.size(); i++) {
      if (!holds.test(namespaces.get(i))) {
        return i;
      }
    }
    return -1;
  }

  private synchronized void secretSeen(Secret secret, boolean deleted) {
    String ns = secret.getMetadata().getNamespace();
    if (!secret.getMetadata().getName().equals(secretName)) {
      return;
    }
    var annotations = secret.getMetadata().getAnnotations();
    String hash = deleted || annotations == null ? null : annotations.get(Annotations.CONTENT_HASH);
    contentHash.put(ns, hash);
    if (hash != null) {
      newestHash = hash;
    }
    recompute(ns);
  }

  private synchronized void accountSeen(ServiceAccount account, boolean deleted) {
    String ns = account.getMetadata().getNamespace();
    entry.put(ns, !deleted && PullSecretEdit.references(account, secretName));
    recompute(ns);
  }

  private void recompute(String ns) {
    int oldest = pinned.getOrDefault(ns, generations.size() - 1);
    boolean done =
        oldest >= 0
            && generations.lastIndexOf(contentHash.get(ns)) >= oldest
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
