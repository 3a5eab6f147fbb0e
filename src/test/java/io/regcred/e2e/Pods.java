package io.regcred.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Pods from the node's private image, as a tenant would create them, and what the kubelet says of
 * them. A Pod names no pull Secret unless told to; admission then copies its ServiceAccount's
 * {@code imagePullSecrets} into it, but only when it creates the Pod.
 */
final class Pods {

  static final String DEFAULT_ACCOUNT = "default";

  private final KubernetesClient admin;
  private final String image;

  Pods(KubernetesClient admin, String image) {
    this.admin = admin;
    this.image = image;
  }

  /**
   * Creates a Pod once the controller-manager has created the namespace's default account. {@code
   * Always} makes the kubelet ask the registry even when the image is on the node.
   */
  Pod create(String namespace, String name, String... pullSecrets) {
    return createPulling(namespace, name, image, pullSecrets);
  }

  /** {@link #create}, with another image, such as the node's by another name. */
  Pod createPulling(String namespace, String name, String image, String... pullSecrets) {
    await("the ServiceAccount " + namespace + "/" + DEFAULT_ACCOUNT)
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> account(namespace) != null);
    return admin
        .resource(
            new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(namespace)
                .endMetadata()
                .withNewSpec()
                .withTerminationGracePeriodSeconds(1L)
                .addNewContainer()
                .withName("app")
                .withImage(image)
                .withImagePullPolicy("Always")
                .endContainer()
                .addAllToImagePullSecrets(
                    List.of(pullSecrets).stream().map(LocalObjectReference::new).toList())
                .endSpec()
                .build())
        .create();
  }

  ServiceAccount account(String namespace) {
    return admin.serviceAccounts().inNamespace(namespace).withName(DEFAULT_ACCOUNT).get();
  }

  /** The names in the default account's {@code imagePullSecrets}. */
  List<String> pullSecrets(String namespace) {
    ServiceAccount sa = account(namespace);
    return sa == null || sa.getImagePullSecrets() == null
        ? List.of()
        : sa.getImagePullSecrets().stream().map(LocalObjectReference::getName).toList();
  }

  String phase(String namespace, String name) {
    Pod pod = admin.pods().inNamespace(namespace).withName(name).get();
    return pod == null || pod.getStatus() == null ? null : pod.getStatus().getPhase();
  }

  /** The messages of the Events about the Pod, such as the kubelet's pull failures. */
  List<String> events(String namespace, String name) {
    return admin
        .v1()
        .events()
        .inNamespace(namespace)
        .withField("involvedObject.name", name)
        .list()
        .getItems()
        .stream()
        .map(Event::getMessage)
        .filter(Objects::nonNull)
        .toList();
  }

  /** Waits until the Pod runs: the kubelet pulled its image. */
  void awaitRunning(String namespace, String name) {
    await("the Pod " + namespace + "/" + name + " running")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(50))
        .untilAsserted(
            () ->
                assertThat(phase(namespace, name))
                    .as("phase; events: %s", events(namespace, name))
                    .isEqualTo("Running"));
  }

  /** Waits until the kubelet reports the registry's 401 for the Pod's image. */
  void awaitRefused(String namespace, String name) {
    await("the registry's 401 for the Pod " + namespace + "/" + name)
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () ->
                assertThat(events(namespace, name))
                    .as("events of a Pod in phase %s", phase(namespace, name))
                    .anyMatch(m -> m.contains("401 Unauthorized")));
  }
}
