package io.regcred.reconciler;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.regcred.api.v1alpha1.RegistryCredential;
import io.regcred.api.v1alpha1.RegistryCredentialStatus;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a credential's status, only when it changed, as one JSON patch that replaces the status
 * whole (fields that went away go too; no resourceVersion race, and only {@code patch} on the
 * status subresource is needed). A refused write is logged and reported to the caller, never
 * thrown: the refresh a reconcile scheduled must not be lost with it.
 */
final class StatusWriter {

  private static final Logger log = LoggerFactory.getLogger(StatusWriter.class);

  private final KubernetesClient client;

  StatusWriter(KubernetesClient client) {
    this.client = client;
  }

  /** Whether the status is now as given (already, or by this write). */
  boolean write(RegistryCredential credential, RegistryCredentialStatus status) {
    if (status.equals(credential.getStatus())) {
      return true;
    }
    String patch =
        client
            .getKubernetesSerialization()
            .asJson(List.of(Map.of("op", "add", "path", "/status", "value", status)));
    try {
      client
          .resources(RegistryCredential.class)
          .withName(credential.getMetadata().getName())
          .subresource("status")
          .patch(PatchContext.of(PatchType.JSON), patch);
      credential.setStatus(status);
      return true;
    } catch (KubernetesClientException e) {
      log.warn(
          "status not written credential={} reason={}",
          credential.getMetadata().getName(),
          ApiErrors.describe(e));
      return false;
    }
  }
}
