package io.regcred.it;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import io.regcred.api.v1alpha1.RegistryCredentialStatus;
import io.regcred.model.ConditionType;
import io.regcred.model.StatusFactory;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** What integration tests read back from the cluster about a credential. */
public final class CredentialChecks {

  private CredentialChecks() {}

  /** Whether the credential is Ready with this many namespaces synced. */
  public static boolean ready(KubernetesClient client, String name, int synced) {
    var c = client.resources(ClusterRegistryCredential.class).withName(name).get();
    return c != null
        && c.getStatus() != null
        && c.getStatus().getNamespaces() != null
        && c.getStatus().getNamespaces().synced() == synced
        && c.getStatus().getConditions().stream()
            .anyMatch(
                x ->
                    x.getType().equals(ConditionType.Ready.name()) && x.getStatus().equals("True"));
  }

  /**
   * Deletes a credential and waits until its finalizer is gone: credentials are cluster-scoped, so
   * one left behind is seen by every later test's operator.
   */
  public static void deleteAndWait(KubernetesClient client, String name) {
    deleteAndWait(client, name, java.time.Duration.ofSeconds(30));
  }

  /** The same with a longer wait, for a credential that has many namespaces to clean up. */
  public static void deleteAndWait(
      KubernetesClient client, String name, java.time.Duration timeout) {
    var credentials = client.resources(ClusterRegistryCredential.class);
    credentials.withName(name).delete();
    org.awaitility.Awaitility.await()
        .atMost(timeout)
        .until(() -> credentials.withName(name).get() == null);
  }

  /** A condition of the credential as the API server has it now. */
  public static Condition condition(KubernetesClient client, String name, ConditionType type) {
    return condition(
        client.resources(ClusterRegistryCredential.class).withName(name).get().getStatus(), type);
  }

  /** A condition of a status; fails when the status has none of that type. */
  public static Condition condition(RegistryCredentialStatus status, ConditionType type) {
    return StatusFactory.find(status, type).orElseThrow();
  }

  /**
   * "reason: message" of each Event about the credential (they live in {@code default}, where the
   * API server keeps Events about cluster-scoped objects).
   */
  public static java.util.List<String> events(KubernetesClient client, String name) {
    return events(client, "default", name);
  }

  /** The same for an object of a namespace, whose Events live there. */
  public static java.util.List<String> events(
      KubernetesClient client, String namespace, String name) {
    return client
        .v1()
        .events()
        .inNamespace(namespace)
        .withField("involvedObject.name", name)
        .list()
        .getItems()
        .stream()
        .map(e -> e.getReason() + ": " + e.getMessage())
        .toList();
  }

  /** The decoded {@code .dockerconfigjson} of a written Secret. */
  public static String dockerConfig(Secret secret) {
    return new String(
        Base64.getDecoder().decode(secret.getData().get(".dockerconfigjson")),
        StandardCharsets.UTF_8);
  }
}
