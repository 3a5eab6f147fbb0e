package io.regcred.reconciler;

import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.processing.event.EventSourceRetriever;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches on the Secret names that credentials are blocked on. A Secret that is not ours holds no
 * label of ours, so no other informer sees it go: while a credential reports a conflict, Secrets
 * under its target name (that name only, by field selector) are watched, and deleting the blocking
 * one brings that namespace in line at once instead of at the next recheck. A name's watch stops
 * when no credential is blocked on it any more.
 */
final class ConflictWatches {

  private static final Logger log = LoggerFactory.getLogger(ConflictWatches.class);

  /** Which credentials are blocked on each watched name. */
  private final Map<String, Set<String>> blockedOn = new HashMap<>();

  /** The name each blocked credential is blocked on (read without the lock on the fast path). */
  private final Map<String, String> nameOf = new ConcurrentHashMap<>();

  private final BiFunction<
          String,
          EventSourceRetriever<ClusterRegistryCredential>,
          EventSource<Secret, ClusterRegistryCredential>>
      watchFactory;

  /**
   * @param watchFactory the event source watching Secrets under one name, for the context of
   *     dynamic registration
   */
  ConflictWatches(
      BiFunction<
              String,
              EventSourceRetriever<ClusterRegistryCredential>,
              EventSource<Secret, ClusterRegistryCredential>>
          watchFactory) {
    this.watchFactory = watchFactory;
  }

  static String sourceName(String secretName) {
    return "conflicts-" + secretName;
  }

  /**
   * After a pass: the credential is blocked on its target name, or not (any more). Starts or stops
   * the watch of a name as the first credential blocks on it or the last one stops.
   */
  void update(
      EventSourceRetriever<ClusterRegistryCredential> retriever,
      String credential,
      String secretName,
      boolean blocked) {
    if (!blocked && !nameOf.containsKey(credential)) {
      return; // the common case, for every pass of every credential: no lock
    }
    updateBlocked(retriever, credential, secretName, blocked);
  }

  private synchronized void updateBlocked(
      EventSourceRetriever<ClusterRegistryCredential> retriever,
      String credential,
      String secretName,
      boolean blocked) {
    String before = nameOf.get(credential);
    if (blocked && secretName.equals(before)) {
      return;
    }
    if (before != null) {
      release(retriever, credential, before);
    }
    if (blocked) {
      if (!blockedOn.containsKey(secretName)) {
        try {
          retriever.dynamicallyRegisterEventSource(watchFactory.apply(secretName, retriever));
        } catch (RuntimeException e) {
          // Nothing recorded: the next pass tries again; meanwhile conflicts are rechecked.
          retriever.dynamicallyDeRegisterEventSource(sourceName(secretName));
          throw e;
        }
        log.info("watching Secrets named {} while a credential is blocked on one", secretName);
      }
      blockedOn.computeIfAbsent(secretName, k -> new HashSet<>()).add(credential);
      nameOf.put(credential, secretName);
    }
  }

  /** A deleted credential blocks nothing. */
  synchronized void forget(
      EventSourceRetriever<ClusterRegistryCredential> retriever, String credential) {
    String before = nameOf.get(credential);
    if (before != null) {
      release(retriever, credential, before);
    }
  }

  private void release(
      EventSourceRetriever<ClusterRegistryCredential> retriever,
      String credential,
      String secretName) {
    nameOf.remove(credential);
    Set<String> credentials = blockedOn.get(secretName);
    if (credentials == null) {
      return;
    }
    credentials.remove(credential);
    if (credentials.isEmpty()) {
      blockedOn.remove(secretName);
      retriever.dynamicallyDeRegisterEventSource(sourceName(secretName));
      log.info("stopped watching Secrets named {}", secretName);
    }
  }
}
