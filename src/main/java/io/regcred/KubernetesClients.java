package io.regcred;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.kubernetes.client.vertx.VertxHttpClientFactory;

/** The operator's Kubernetes client: one place that decides how it reads the API server. */
public final class KubernetesClients {

  /**
   * The API server keeps some fields under names made from values tenants choose (an owner
   * reference's UID, a ServiceAccount's secret names in managedFields), and accepts values far
   * longer than the JSON parser's default limit of 50,000 characters for a name. One such object
   * would stop a watch, and with it the whole operator. An object cannot exceed etcd's request
   * limit (1.5 MiB), so a name limit above that costs nothing.
   */
  static final int MAX_NAME_LENGTH = 4 * 1024 * 1024;

  private KubernetesClients() {}

  /** A client for this configuration that can read every object the API server can store. */
  public static KubernetesClient create(Config config) {
    JsonFactory json =
        JsonFactory.builder()
            .streamReadConstraints(
                StreamReadConstraints.builder().maxNameLength(MAX_NAME_LENGTH).build())
            .build();
    return new KubernetesClientBuilder()
        .withConfig(config)
        // Named, not found on the class path: the one HTTP client the operator is measured with.
        .withHttpClientFactory(new VertxHttpClientFactory())
        .withKubernetesSerialization(new KubernetesSerialization(new ObjectMapper(json), true))
        .build();
  }

  /** A client configured from the environment (in-cluster ServiceAccount, or kubeconfig). */
  public static KubernetesClient create() {
    return create(Config.autoConfigure(null));
  }
}
