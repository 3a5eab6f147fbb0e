package io.regcred.reconciler;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import io.regcred.model.CredentialRef;
import io.regcred.model.RegistryToken;
import io.regcred.model.TokenState;
import java.net.HttpURLConnection;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The current token of each credential: in memory, and in a state Secret in the operator's own
 * namespace so that a restarted (or newly elected) operator does not call the cloud again before
 * the refresh is due. Secrets in target namespaces are never read back: anyone who can write there
 * could otherwise choose the token every namespace gets.
 */
class TokenStore {

  private static final Logger log = LoggerFactory.getLogger(TokenStore.class);

  private record Entry(RegistryToken token, String sourceHash) {}

  private final KubernetesClient client;
  private final String namespace;
  private final Map<String, Entry> byCredential = new ConcurrentHashMap<>();

  TokenStore(KubernetesClient client, String namespace) {
    this.client = client;
    this.namespace = namespace;
  }

  /**
   * The expiring token known for this credential and source spec: from memory, else from its state
   * Secret (one read after a start). Tokens for another spec (a changed region, account or
   * identity), for an earlier credential of the same name, or outside the source's lifetimes are
   * never returned.
   */
  Optional<RegistryToken> current(
      ClusterRegistryCredential credential, String sourceHash, Instant now) {
    String name = credential.getMetadata().getName();
    Entry entry = byCredential.get(name);
    if (entry != null
        && entry.sourceHash().equals(sourceHash)
        && entry.token().expiresAt().isPresent()) {
      return Optional.of(entry.token());
    }
    if ("static".equals(credential.getSpec().getSource().kind())) {
      return Optional.empty(); // re-read from its source Secret each time; nothing is stored
    }
    Optional<RegistryToken> stored =
        readState(TokenState.secretName(name))
            .flatMap(
                s ->
                    TokenState.read(
                        s, credential, credential.getSpec().getSource().kind(), sourceHash, now));
    stored.ifPresent(token -> byCredential.put(name, new Entry(token, sourceHash)));
    return stored;
  }

  /** Remembers a fetched token, and stores it when it expires (static sources are re-read). */
  void remember(ClusterRegistryCredential credential, RegistryToken token, String sourceHash) {
    byCredential.put(credential.getMetadata().getName(), new Entry(token, sourceHash));
    if (token.expiresAt().isPresent()) {
      writeState(TokenState.toSecret(namespace, credential, token, sourceHash));
    }
  }

  /**
   * The stored expiring token of a namespaced credential, for this source spec: read once after a
   * start, so that a restart does not refetch (and rewrite) every tenant's token.
   */
  Optional<RegistryToken> stored(
      CredentialRef credential, String sourceKind, String sourceHash, Instant now) {
    return readState(TokenState.namespacedSecretName(credential.key()))
        .flatMap(s -> TokenState.read(s, credential.uid(), sourceKind, sourceHash, now));
  }

  /** Stores an expiring token of a namespaced credential. */
  void store(CredentialRef credential, RegistryToken token, String sourceHash) {
    if (token.expiresAt().isPresent()) {
      writeState(
          TokenState.toSecret(
              namespace,
              TokenState.namespacedSecretName(credential.key()),
              credential,
              token,
              sourceHash));
    }
  }

  /** Removes a namespaced credential's state Secret (nothing owns it). */
  void forgetNamespaced(String key) {
    deleteState(TokenState.namespacedSecretName(key), key);
  }

  /** Forgets a deleted credential and removes its state Secret. */
  void forget(String credentialName) {
    byCredential.remove(credentialName);
    // If this fails, its owner reference lets the garbage collector remove it.
    deleteState(TokenState.secretName(credentialName), credentialName);
  }

  private void deleteState(String secretName, String credential) {
    try {
      client.secrets().inNamespace(namespace).withName(secretName).delete();
    } catch (KubernetesClientException e) {
      log.warn("could not delete token state credential={} code={}", credential, e.getCode());
    }
  }

  private Optional<Secret> readState(String secretName) {
    try {
      return Optional.ofNullable(
          client.secrets().inNamespace(namespace).withName(secretName).get());
    } catch (KubernetesClientException e) {
      log.warn("could not read token state secret={} code={}", secretName, e.getCode());
      return Optional.empty();
    }
  }

  /**
   * Create, or replace what is there. A failed write costs only a refetch after the next restart,
   * so it is logged and the rotation goes on.
   */
  private void writeState(Secret state) {
    var secrets = client.secrets().inNamespace(namespace);
    try {
      try {
        secrets.resource(state).create();
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
          throw e;
        }
        Secret current = secrets.withName(state.getMetadata().getName()).get();
        if (current != null) {
          state.getMetadata().setResourceVersion(current.getMetadata().getResourceVersion());
        }
        secrets.resource(state).update();
      }
    } catch (KubernetesClientException e) {
      log.warn(
          "could not store token state secret={}/{} code={}",
          namespace,
          state.getMetadata().getName(),
          e.getCode());
    }
  }
}
