package io.regcred.reconciler;

import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.regcred.model.PullSecretEdit;
import java.net.HttpURLConnection;
import java.util.Optional;
import java.util.function.Function;

/**
 * Read-modify-write of a ServiceAccount's atomic {@code imagePullSecrets} list: PUT with the
 * resourceVersion that was read, and on 409 Conflict read again and redo the edit, so a concurrent
 * writer's entries are never lost.
 */
public class ServiceAccountPatcher {

  static final int MAX_ATTEMPTS = 8;

  private final KubernetesClient client;

  public ServiceAccountPatcher(KubernetesClient client) {
    this.client = client;
  }

  /** Adds our entry; returns whether a write was made. */
  public boolean addEntry(ServiceAccount cached, String secretName) {
    return edit(cached, sa -> PullSecretEdit.add(sa, secretName));
  }

  /** Removes our entry (only if we added it); returns whether a write was made. */
  public boolean removeEntry(ServiceAccount cached, String secretName) {
    return edit(cached, sa -> PullSecretEdit.remove(sa, secretName));
  }

  /**
   * The cached copy only says whether an edit is needed (it is trimmed, see {@link
   * PullSecretEdit#observed}); the edit is made on the ServiceAccount read whole just before.
   */
  private boolean edit(
      ServiceAccount cached, Function<ServiceAccount, Optional<ServiceAccount>> change) {
    if (change.apply(cached).isEmpty()) {
      return false;
    }
    ServiceAccount current = read(cached);
    for (int attempt = 1; ; attempt++) {
      if (current == null) {
        return false;
      }
      Optional<ServiceAccount> edited = change.apply(current);
      if (edited.isEmpty()) {
        return false;
      }
      try {
        client.resource(edited.get()).update();
        return true;
      } catch (KubernetesClientException e) {
        if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
          return false;
        }
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT || attempt >= MAX_ATTEMPTS) {
          throw e;
        }
      }
      current = read(cached);
    }
  }

  private ServiceAccount read(ServiceAccount cached) {
    return client
        .serviceAccounts()
        .inNamespace(cached.getMetadata().getNamespace())
        .withName(cached.getMetadata().getName())
        .get();
  }
}
