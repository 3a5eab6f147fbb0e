package io.regcred.it;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * One real kube-apiserver + etcd for the whole test JVM, built by hack/testbin.sh and started
 * through kube-api-test in offline mode, with the project's CRD installed. There is no
 * controller-manager: no garbage collector and no automatic default ServiceAccounts.
 */
public final class TestCluster {

  private static KubeAPIServer server;
  private static Config adminConfig;
  private static String kubeconfigYaml;

  private TestCluster() {}

  /** The admin config of the shared API server, starting it on first use. */
  public static synchronized Config adminConfig() {
    if (server == null) {
      start();
    }
    return adminConfig;
  }

  /** An admin kubeconfig for kubectl, written to a temporary file. */
  public static synchronized Path kubeconfigFile() throws IOException {
    adminConfig();
    Path file = Files.createTempFile("regcred-kubeconfig", ".yaml");
    Files.writeString(file, kubeconfigYaml);
    file.toFile().deleteOnExit();
    return file;
  }

  /** A new admin client; callers close it. */
  public static KubernetesClient newAdminClient() {
    return new KubernetesClientBuilder().withConfig(adminConfig()).build();
  }

  private static void start() {
    // The same override hack/testbin.sh honours, then the build's property, then its default.
    String dir = System.getenv("REGCRED_TESTBIN_DIR");
    if (dir == null || dir.isBlank()) {
      dir =
          System.getProperty(
              "regcred.testbin.dir",
              Path.of(System.getProperty("user.home"), ".cache/regcred-operator/testbin")
                  .toString());
    }
    String version = System.getProperty("regcred.kube.version", "1.34.4");
    if (!Files.isExecutable(Path.of(dir, "k8s", version + "-linux-amd64", "kube-apiserver"))) {
      throw new IllegalStateException(
          "kube-apiserver "
              + version
              + " not found under "
              + dir
              + ": run hack/testbin.sh (make testbin) first");
    }
    // Configured through the builder only: the library's boolean environment variables are read
    // with a cast that fails.
    server =
        new KubeAPIServer(
            KubeAPIServerConfigBuilder.anAPIServerConfig()
                .withTestDir(dir)
                .withApiServerVersion(version)
                .withOfflineMode(true)
                .withUpdateKubeConfig(false)
                .withStartupTimeout(120_000)
                .build());
    server.start();
    Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "kube-apiserver-stop"));
    kubeconfigYaml = server.getKubeConfigYaml();
    adminConfig = Config.fromKubeconfig(kubeconfigYaml);
    try (KubernetesClient client = new KubernetesClientBuilder().withConfig(adminConfig).build()) {
      installCrd(client);
    }
  }

  private static void installCrd(KubernetesClient client) {
    Path generated =
        Path.of("target/classes/META-INF/fabric8/registrycredentials.regcred.io-v1.yml");
    try (InputStream in = Files.newInputStream(generated)) {
      applyCrds(client, in);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the generated CRD " + generated, e);
    }
  }

  /** Applies the CRDs in a YAML stream and waits until the API server serves each of them. */
  public static void applyCrds(KubernetesClient client, InputStream yaml) {
    for (var crd : client.load(yaml).items()) {
      client.resource(crd).forceConflicts().serverSideApply();
      Awaitility.await()
          .atMost(30, TimeUnit.SECONDS)
          .until(
              () -> {
                var c =
                    client
                        .apiextensions()
                        .v1()
                        .customResourceDefinitions()
                        .withName(crd.getMetadata().getName())
                        .get();
                return c.getStatus() != null
                    && c.getStatus().getConditions().stream()
                        .anyMatch(
                            cond ->
                                "Established".equals(cond.getType())
                                    && "True".equals(cond.getStatus()));
              });
    }
  }
}
