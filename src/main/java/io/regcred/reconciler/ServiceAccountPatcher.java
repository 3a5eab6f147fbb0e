package io.regcred.reconciler;

import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.regcred.model.PullSecretEdit;
import java.net.HttpURLConnection;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Edits of a ServiceAccount's atomic {@code imagePullSecrets} list that never lose a concurrent
 * writer's entries. First, without a read, a merge patch made from the cached copy with its
 * resourceVersion as precondition ({@link PullSecretEdit#mergePatch}); the API server refuses it if
 * the cache was behind. Then, or when the cached copy is incomplete, read-modify-write: PUT with
 * the resourceVersion that was read, and on 409 Conflict read again and redo the edit.
 */
public class ServiceAccountPatcher {

  static final int MAX_ATTEMPTS = 8;

  private final KubernetesClient client;

  public ServiceAccountPatcher(KubernetesClient client) {
    this.client = client;
  }

  /** Adds our entry; returns the ServiceAccount as written, if a write was made. */
  public Optional<ServiceAccount> addEntry(ServiceAccount cached, String secretName) {
    return edit(cached, sa -> PullSecretEdit.add(sa, secretName));
  }

  /**
   * Removes our entry (only if we added it); returns the ServiceAccount as written, if a write was
   * made.
   */
  public Optional<ServiceAccount> removeEntry(ServiceAccount cached, String secretName) {
    return edit(cached, sa -> PullSecretEdit.remove(sa, secretName));
  }

  private Optional<ServiceAccount> edit(
      ServiceAccount cached, Function<ServiceAccount, Optional<ServiceAccount>> change) {
    Optional<ServiceAccount> fromCache = change.apply(cached);
    if (fromCache.isEmpty()) {
      return Optional.empty();
    }
    Optional<Map<String, Object>> patch = PullSecretEdit.mergePatch(fromCache.get());
    if (patch.isPresent()) {
      try {
        return Optional.of(
            client
                .serviceAccounts()
                .resource(reference(cached))
                .patch(
                    PatchContext.of(PatchType.JSON_MERGE),
                    client.getKubernetesSerialization().asJson(patch.get())));
      } catch (KubernetesClientException e) {
        if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
          return Optional.empty();
        }
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
          throw e;
        }
        // The cache was behind: edit what is there now.
      }
    }
    ServiceAccount current = read(cached);
    for (int attempt = 1; ; attempt++) {
      if (current == null) {
        return Optional.empty();
      }
      Optional<ServiceAccount> edited = change.apply(current);
      if (edited.isEmpty()) {
        return Optional.empty();
      }
      try {
        return Optional.of(client.resource(edited.get()).update());
      } catch (KubernetesClientException e) {
        if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
          return Optional.empty();
        }
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT || attempt >= MAX_ATTEMPTS) {
          throw e;
        }
      }
      current = read(cached);
    }
  }

  /**
   * The ServiceAccount by namespace and name only. A patch goes to an object named this way:
   * fabric8 reads an object named by {@code withName} before patching it, a GET per patch that the
   * merge patch exists to avoid; given the object, it only copies it.
   */
  private static ServiceAccount reference(ServiceAccount cached) {
    return new ServiceAccountBuilder()
        .withNewMetadata()
        .withNamespace(cached.getMetadata().getNamespace())
        .withName(cached.getMetadata().getName())
        .endMetadata()
        .build();
  }

  private ServiceAccount read(ServiceAccount cached) {
    return client
        .serviceAccounts()
        .inNamespace(cached.getMetadata().getNamespace())
        .withName(cached.getMetadata().getName())
        .get();
  }
}
