package io.regcred.it;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
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

  /** The names in a ServiceAccount's imagePullSecrets; empty if it has none or is not there. */
  public static List<String> pullSecretNames(
      KubernetesClient client, String namespace, String serviceAccount) {
    ServiceAccount sa =
        client.serviceAccounts().inNamespace(namespace).withName(serviceAccount).get();
    if (sa == null || sa.getImagePullSecrets() == null) {
      return List.of();
    }
    return sa.getImagePullSecrets().stream().map(LocalObjectReference::getName).toList();
  }

  /**
   * A Pod that cannot pull its image, and the Event the kubelet writes about it when the registry
   * refuses the pull (containerd's words). The test API server has no kubelet: the Pod stays
   * pending, as a Pod whose pull keeps failing does.
   */
  public static Pod failingPull(
      KubernetesClient client, String namespace, String pod, String image, String... pullSecrets) {
    Pod created = failingPod(client, namespace, pod, image, pullSecrets);
    kubeletPullEvent(client, created, image);
    return created;
  }

  /** The Pod of {@link #failingPull}, without the kubelet's Event. */
  public static Pod failingPod(
      KubernetesClient client, String namespace, String pod, String image, String... pullSecrets) {
    Pod created =
        client
            .resource(
                new PodBuilder()
                    .withNewMetadata()
                    .withName(pod)
                    .withNamespace(namespace)
                    .endMetadata()
                    .withNewSpec()
                    .addNewContainer()
                    .withName("app")
                    .withImage(image)
                    .endContainer()
                    .withImagePullSecrets(
                        java.util.Arrays.stream(pullSecrets)
                            .map(io.fabric8.kubernetes.api.model.LocalObjectReference::new)
                            .toList())
                    .endSpec()
                    .build())
            .create();
    // The kubelet's own word, which a tenant cannot write: the container waits on a failed pull.
    created.setStatus(
        new PodStatusBuilder()
            .withPhase("Pending")
            .addNewContainerStatus()
            .withName("app")
            .withImage(image)
            .withImageID("")
            .withReady(false)
            .withRestartCount(0)
            .withNewState()
            .withNewWaiting()
            .withReason("ErrImagePull")
            .withMessage("failed to pull and unpack image: 401 Unauthorized")
            .endWaiting()
            .endState()
            .endContainerStatus()
            .build());
    return client.resource(created).updateStatus();
  }

  /** The kubelet's Event for a pull of {@code image} the registry refused. */
  public static void kubeletPullEvent(KubernetesClient client, Pod pod, String image) {
    kubeletPullEvent(client, pod.getMetadata().getNamespace(), pod, image);
  }

  /** The same Event, written into {@code eventNamespace}: a forgery when that is not the Pod's. */
  public static void kubeletPullEvent(
      KubernetesClient client, String eventNamespace, Pod pod, String image) {
    String now =
        java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    var event =
        new EventBuilder()
            .withNewMetadata()
            .withGenerateName(pod.getMetadata().getName() + ".")
            .withNamespace(eventNamespace)
            .endMetadata()
            .withNewInvolvedObject()
            .withKind("Pod")
            .withApiVersion("v1")
            .withNamespace(pod.getMetadata().getNamespace())
            .withName(pod.getMetadata().getName())
            .withUid(pod.getMetadata().getUid())
            .withFieldPath("spec.containers{app}")
            .endInvolvedObject()
            .withReason("Failed")
            .withType("Warning")
            .withMessage(
                "Failed to pull image \""
                    + image
                    + "\": failed to pull and unpack image \""
                    + image
                    + "\": failed to resolve reference \""
                    + image
                    + "\": unexpected status from HEAD request: 401 Unauthorized")
            .withNewSource()
            .withComponent("kubelet")
            .withHost("node-1")
            .endSource()
            .withFirstTimestamp(now)
            .withLastTimestamp(now)
            .withCount(1)
            .build();
    if (!eventNamespace.equals(pod.getMetadata().getNamespace())) {
      // The API server accepts an Event about an object of another namespace only in the newer
      // shape, with an eventTime and who reported it.
      event.setEventTime(
          new io.fabric8.kubernetes.api.model.MicroTime(now.replace("Z", ".000000Z")));
      event.setReportingComponent("kubelet");
      event.setReportingInstance("node-1");
      event.setAction("Pulling");
    }
    client.resource(event).create();
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
