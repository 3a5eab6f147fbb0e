package io.regcred.it;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;

/**
 * One real kube-apiserver + etcd for the whole test JVM, built by hack/testbin.sh and started
 * through kube-api-test in offline mode, with the project's CRD installed. There is no
 * controller-manager: no garbage collector and no automatic default ServiceAccounts.
 *
 * <p>Both listen on 127.0.0.1 only (LoopbackIT holds them to it): etcd has no authentication at
 * all, and its API server holds the pull credentials the tests write. kube-api-test starts etcd
 * with a client URL on all interfaces and offers no option to change it, so the library is given a
 * binary directory of its own whose {@code etcd} is a wrapper that puts every URL it is given on
 * 127.0.0.1 (same port) before it runs the real etcd. The directory also keeps the certificates the
 * library writes there apart from those of any other test JVM on the machine.
 */
public final class TestCluster {

  static final String VERSION = System.getProperty("regcred.kube.version", "1.34.4");

  /** The flags every test API server runs with, on top of those kube-api-test passes. */
  static final Map<String, String> API_SERVER_FLAGS =
      Map.of(
          // Serve on loopback only. The advertised address would be written into the Endpoints of
          // Service "kubernetes", which refuses loopback addresses: no pod runs here to use that
          // Service, so its reconciler is off.
          "--bind-address", "127.0.0.1",
          "--advertise-address", "127.0.0.1",
          "--endpoint-reconciler-type", "none",
          // As on OpenShift: changing an ownerReference needs delete permission on the object, and
          // blockOwnerDeletion needs update on the owner's finalizers (RbacIT proves the
          // operator's RBAC works under it).
          "--enable-admission-plugins", "OwnerReferencesPermissionEnforcement");

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

  /** A binary built by hack/testbin.sh (kube-apiserver, kube-controller-manager, etcd). */
  public static Path binary(String name) {
    // The same override hack/testbin.sh honours, then the build's property, then its default.
    String dir = System.getenv("REGCRED_TESTBIN_DIR");
    if (dir == null || dir.isBlank()) {
      dir =
          System.getProperty(
              "regcred.testbin.dir",
              Path.of(System.getProperty("user.home"), ".cache/regcred-operator/testbin")
                  .toString());
    }
    Path binary = Path.of(dir, "k8s", VERSION + "-linux-amd64", name);
    if (!Files.isExecutable(binary)) {
      throw new IllegalStateException(
          name + " " + VERSION + " not found at " + binary + ": run make testbin first");
    }
    return binary;
  }

  private static void start() {
    Path loopbackDir;
    try {
      loopbackDir = loopbackBinaries(binary("kube-apiserver").getParent(), VERSION);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the test binaries", e);
    }
    // Configured through the builder only: the library's boolean environment variables are read
    // with a cast that fails.
    var config =
        KubeAPIServerConfigBuilder.anAPIServerConfig()
            .withTestDir(loopbackDir.toString())
            .withApiServerVersion(VERSION)
            .withOfflineMode(true)
            .withUpdateKubeConfig(false)
            .withStartupTimeout(120_000);
    API_SERVER_FLAGS.forEach(config::withApiServerFlag);
    server = new KubeAPIServer(config.build());
    server.start();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.stop();
                  deleteTree(loopbackDir);
                },
                "kube-apiserver-stop"));
    kubeconfigYaml = server.getKubeConfigYaml();
    adminConfig = Config.fromKubeconfig(kubeconfigYaml);
    try (KubernetesClient client = new KubernetesClientBuilder().withConfig(adminConfig).build()) {
      installCrd(client);
    }
  }

  /**
   * A kube-api-test directory ({@code k8s/<version>-linux-amd64/}) holding links to the real
   * kube-apiserver and kubectl and, as {@code etcd}, a wrapper that puts every URL etcd is told to
   * listen on or advertise on 127.0.0.1.
   */
  private static Path loopbackBinaries(Path real, String version) throws IOException {
    Path root = Files.createTempDirectory("regcred-kube-api-test");
    Path bin = Files.createDirectories(root.resolve("k8s").resolve(version + "-linux-amd64"));
    for (String name : List.of("kube-apiserver", "kubectl")) {
      Files.createSymbolicLink(bin.resolve(name), real.resolve(name).toRealPath());
    }
    Path etcd = bin.resolve("etcd");
    Files.writeString(
        etcd,
        String.join(
            "\n",
            "#!/bin/sh",
            "# kube-api-test listens on all interfaces (client) and localhost (peer): use 127.0.0.1.",
            "for arg; do",
            "  shift",
            "  case $arg in",
            "    http://*:*) arg=\"http://127.0.0.1:${arg##*:}\" ;;",
            "    *=http://*:*) arg=\"${arg%=*}=http://127.0.0.1:${arg##*:}\" ;;",
            "  esac",
            "  set -- \"$@\" \"$arg\"",
            "done",
            "exec '" + real.resolve("etcd").toRealPath() + "' \"$@\"",
            ""));
    Files.setPosixFilePermissions(etcd, PosixFilePermissions.fromString("rwx------"));
    return root;
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temporary directory: the next boot clears it anyway
    }
  }

  /** Installs the project's CRDs (both kinds), as generated by the build. */
  static void installCrd(KubernetesClient client) {
    for (String file :
        List.of(
            "clusterregistrycredentials.regcred.io-v1.yml",
            "registrycredentials.regcred.io-v1.yml")) {
      Path generated = Path.of("target/classes/META-INF/fabric8", file);
      try (InputStream in = Files.newInputStream(generated)) {
        applyCrds(client, in);
      } catch (IOException e) {
        throw new IllegalStateException("cannot read the generated CRD " + generated, e);
      }
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
