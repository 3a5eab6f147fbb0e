package io.regcred;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.kubernetes.client.vertx.VertxHttpClientFactory;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.file.FileSystemOptions;

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

  /**
   * One Vert.x for the operator's clients, sized for the work: an event loop per core (the default
   * is two, each with its own buffer arenas and caches) and small worker pools, since the operator
   * blocks on its own threads, not on Vert.x's. Otherwise as fabric8 makes its own: daemon threads,
   * no file caching, the JVM's DNS resolver. Its TLS offers ChaCha20-Poly1305 first where that is
   * the faster cipher ({@link ChaCha20First}).
   */
  private static final Vertx VERTX = ChaCha20First.whereFaster(vertx());

  private KubernetesClients() {}

  private static Vertx vertx() {
    String dns = "vertx.disableDnsResolver";
    boolean set = System.getProperty(dns) == null;
    if (set) {
      System.setProperty(dns, "true");
    }
    try {
      return Vertx.vertx(
          new VertxOptions()
              .setEventLoopPoolSize(Runtime.getRuntime().availableProcessors())
              .setWorkerPoolSize(4)
              .setInternalBlockingPoolSize(2)
              .setUseDaemonThread(true)
              .setFileSystemOptions(
                  new FileSystemOptions()
                      .setFileCachingEnabled(false)
                      .setClassPathResolvingEnabled(false)));
    } finally {
      if (set) {
        System.clearProperty(dns);
      }
    }
  }

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
        .withHttpClientFactory(new VertxHttpClientFactory(VERTX))
        .withKubernetesSerialization(new KubernetesSerialization(new ObjectMapper(json), true))
        .build();
  }

  /** A client configured from the environment (in-cluster ServiceAccount, or kubeconfig). */
  public static KubernetesClient create() {
    return create(Config.autoConfigure(null));
  }
}
