package io.regcred.it;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * Small builders for the namespaces, ServiceAccounts and Secrets the integration tests create;
 * credentials come from {@link io.regcred.testing.Credentials}.
 */
public final class Fixtures {

  private Fixtures() {}

  /** Creates or relabels a namespace. */
  public static void namespace(KubernetesClient client, String name, Map<String, String> labels) {
    client
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(labels)
                .endMetadata()
                .build())
        .serverSideApply();
  }

  /**
   * Deletes a namespace as a cluster's namespace controller would: the namespace first (it is then
   * terminating, so nothing new can be created in it), then what the tests put there, then its
   * finalizer. The test API server has no namespace controller, so without this a deleted namespace
   * would stay terminating for good.
   */
  public static void removeNamespace(KubernetesClient client, String ns) {
    client.namespaces().withName(ns).delete();
    client.secrets().inNamespace(ns).delete();
    client.serviceAccounts().inNamespace(ns).delete();
    client.leases().inNamespace(ns).delete();
    client.configMaps().inNamespace(ns).delete();
    client.v1().events().inNamespace(ns).delete();
    Namespace terminating = client.namespaces().withName(ns).get();
    if (terminating != null) {
      terminating.getSpec().setFinalizers(List.of());
      client.raw(
          client.getMasterUrl() + "api/v1/namespaces/" + ns + "/finalize", "PUT", terminating);
    }
  }

  /**
   * The test API server has no controller-manager, so tests create the default ServiceAccount
   * (applied, so a second call is harmless). {@code pullSecrets} are imagePullSecrets entries it
   * starts with, as if someone else had put them there; without them the list is left alone.
   */
  public static void serviceAccount(
      KubernetesClient client, String namespace, String name, String... pullSecrets) {
    var sa =
        new ServiceAccountBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(namespace)
            .endMetadata();
    for (String pullSecret : pullSecrets) {
      sa.addNewImagePullSecret(pullSecret);
    }
    client.resource(sa.build()).serverSideApply();
  }

  /**
   * The Secret {@code aws-keys} of long-term AWS keys an ECR source's credentialsSecretRef names.
   */
  public static void awsKeys(
      KubernetesClient client, String namespace, String accessKeyId, String secretAccessKey) {
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("aws-keys")
                .withNamespace(namespace)
                .endMetadata()
                .withStringData(
                    Map.of(
                        "AWS_ACCESS_KEY_ID", accessKeyId, "AWS_SECRET_ACCESS_KEY", secretAccessKey))
                .build())
        .serverSideApply();
  }

  /**
   * Runs the action for each item, {@code threads} at a time, and waits for all: hundreds of
   * namespaces set up one by one would take most of a run. The first failure is thrown.
   */
  public static void inParallel(int threads, Collection<String> items, Consumer<String> action)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (String item : items) {
        done.add(pool.submit(() -> action.accept(item)));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
  }

  static Secret basicAuthSecret(String namespace, String name, String username, String password) {
    return new SecretBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(namespace)
        .endMetadata()
        .withType("kubernetes.io/basic-auth")
        .withData(Map.of("username", b64(username), "password", b64(password)))
        .build();
  }

  static String b64(String value) {
    return Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
  }

  static String decode(String base64) {
    return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
  }
}
