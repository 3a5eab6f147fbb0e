package io.regcred.reconciler;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.regcred.api.v1alpha1.RegistryCredential;
import io.regcred.api.v1alpha1.RegistryCredentialStatus;
import java.net.HttpURLConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a credential's status, only when it changed. A refused write is logged and reported to the
 * caller, never thrown: the refresh a reconcile scheduled must not be lost with it.
 */
final class StatusWriter {

  private static final Logger log = LoggerFactory.getLogger(StatusWriter.class);
  static final int MAX_ATTEMPTS = 3;

  private final KubernetesClient client;

  StatusWriter(KubernetesClient client) {
    this.client = client;
  }

  /** Whether the status is now as given (already, or by this write). */
  boolean write(RegistryCredential credential, RegistryCredentialStatus status) {
    if (status.equals(credential.getStatus())) {
      return true;
    }
    var resources = client.resources(RegistryCredential.class);
    RegistryCredential target = credential;
    for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      try {
        RegistryCredential copy = new RegistryCredential();
        copy.setMetadata(target.getMetadata());
        copy.setSpec(target.getSpec());
        copy.setStatus(status);
        resources.resource(copy).updateStatus();
        credential.setStatus(status);
        return true;
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT || attempt == MAX_ATTEMPTS) {
          log.warn(
              "status not written credential={} reason={}",
              credential.getMetadata().getName(),
              ApiErrors.describe(e));
          return false;
        }
        target = resources.withName(credential.getMetadata().getName()).get();
        if (target == null) {
          return false;
        }
      }
    }
    return false;
  }
}
