package io.regcred.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubeapitest.cert.CertManager;
import io.fabric8.kubeapitest.kubeconfig.KubeConfig;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.regcred.testing.Ports;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;

/**
 * An etcd and a kube-apiserver of a test's own, on 127.0.0.1, that the test may stop, restart (on
 * the same port, with the same data) and whose etcd history it may compact, without disturbing the
 * API server the other tests share ({@link TestCluster}). kube-api-test cannot do this: it stops
 * etcd with the API server, and any exit of either ends both. Its certificates and flags are
 * kube-api-test's, so clients see the same kind of server.
 */
public final class ControlPlane implements AutoCloseable {

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;
  private final CertManager certs;
  private final int etcdPort = Ports.freeLoopbackPort();
  private final int etcdPeerPort = Ports.freeLoopbackPort();
  private final int apiServerPort = Ports.freeLoopbackPort();
  private final List<String> apiServerFlags;
  private final Process etcd;
  private Process apiServer;

  private ControlPlane(Path dir, List<String> apiServerFlags) throws IOException {
    this.dir = dir;
    this.apiServerFlags = apiServerFlags;
    this.certs = new CertManager(dir.toString());
    certs.createCertificatesIfNeeded();
    String client = "http://127.0.0.1:" + etcdPort;
    String peer = "http://127.0.0.1:" + etcdPeerPort;
    this.etcd =
        new ProcessBuilder(
                TestCluster.binary("etcd").toString(),
                "--data-dir=" + dir.resolve("etcd"),
                "--listen-client-urls=" + client,
                "--advertise-client-urls=" + client,
                "--listen-peer-urls=" + peer,
                "--initial-advertise-peer-urls=" + peer,
                "--initial-cluster=default=" + peer,
                "--unsafe-no-fsync")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("etcd.log").toFile())
            .start();
  }

  /**
   * Starts etcd and kube-apiserver with the project's CRD installed.
   *
   * @param extraFlags API server flags on top of the shared server's
   */
  public static ControlPlane start(String... extraFlags) throws IOException {
    var plane =
        new ControlPlane(Files.createTempDirectory("regcred-control-plane"), List.of(extraFlags));
    try {
      plane.startApiServer();
      try (KubernetesClient client = plane.newAdminClient()) {
        TestCluster.installCrd(client);
      }
      return plane;
    } catch (RuntimeException | IOException e) {
      plane.close();
      throw e;
    }
  }

  /** An admin (system:masters) client config, direct to the API server. */
  public Config adminConfig() {
    return configFor(apiServerPort);
  }

  /** The same credentials for another address of the API server (a proxy on 127.0.0.1). */
  Config configFor(int port) {
    return new ConfigBuilder()
        .withMasterUrl("https://127.0.0.1:" + port)
        .withCaCertFile(certs.getAPIServerCertPath())
        .withClientCertFile(certs.getClientCertPath())
        .withClientKeyFile(certs.getClientKeyPath())
        .withNamespace("default")
        .build();
  }

  /** The same admin credentials as a kubeconfig, for kubectl and helm (kube-api-test's layout). */
  public String adminKubeconfigYaml() {
    // Rendered from the certificates alone: the binary manager is not asked.
    return new KubeConfig(certs, null).generateKubeConfigYaml(apiServerPort);
  }

  public KubernetesClient newAdminClient() {
    return new KubernetesClientBuilder().withConfig(adminConfig()).build();
  }

  public int apiServerPort() {
    return apiServerPort;
  }

  /** The process IDs of etcd and kube-apiserver, to read what they cost from /proc. */
  public synchronized List<Long> pids() {
    return List.of(etcd.pid(), apiServer.pid());
  }

  /** The certificate clients verify the API server's with, for a kubeconfig of another user. */
  public Path caCertFile() {
    return Path.of(certs.getAPIServerCertPath());
  }

  /** Starts kube-apiserver (again, unless it runs) on its port and waits until it serves. */
  synchronized void startApiServer() throws IOException {
    if (apiServer != null && apiServer.isAlive()) {
      return;
    }
    List<String> command = new ArrayList<>();
    command.add(TestCluster.binary("kube-apiserver").toString());
    TestCluster.API_SERVER_FLAGS.forEach((flag, value) -> command.add(flag + "=" + value));
    command.addAll(
        List.of(
            // kube-apiserver finds apiserver.crt and apiserver.key, kube-api-test's, in cert-dir.
            "--cert-dir=" + dir,
            "--secure-port=" + apiServerPort,
            "--etcd-servers=http://127.0.0.1:" + etcdPort,
            "--authorization-mode=RBAC",
            "--service-account-issuer=https://localhost",
            "--service-account-signing-key-file=" + certs.getAPIServerKeyPath(),
            "--service-account-key-file=" + certs.getAPIServerKeyPath(),
            "--disable-admission-plugins=ServiceAccount",
            "--client-ca-file=" + certs.getClientCertPath(),
            "--service-cluster-ip-range=10.0.0.0/24",
            "--allow-privileged"));
    command.addAll(apiServerFlags);
    apiServer =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("apiserver.log").toFile()))
            .start();
    try (KubernetesClient client = newAdminClient()) {
      Awaitility.await("kube-apiserver serving, log in " + dir.resolve("apiserver.log"))
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(200))
          .ignoreExceptions()
          .until(
              () -> {
                if (!apiServer.isAlive()) {
                  throw new IllegalStateException("kube-apiserver exited");
                }
                return client.namespaces().withName("default").get() != null;
              });
    }
  }

  /** Kills kube-apiserver, as a crash or an OOM kill would; etcd keeps running. */
  synchronized void killApiServer() throws InterruptedException {
    apiServer.destroyForcibly();
    apiServer.waitFor(30, TimeUnit.SECONDS);
  }

  /** etcd's current revision: the highest resourceVersion the API server has handed out. */
  long etcdRevision() throws IOException, InterruptedException {
    return JSON.readTree(etcdCall("/v3/maintenance/status", "{}"))
        .path("header")
        .path("revision")
        .asLong();
  }

  /**
   * Compacts etcd's history up to its current revision, as the API server itself does every five
   * minutes: watches from an older resourceVersion can no longer be resumed. Returns the revision.
   */
  long compactEtcd() throws IOException, InterruptedException {
    long revision = etcdRevision();
    etcdCall("/v3/kv/compaction", "{\"revision\":\"" + revision + "\",\"physical\":true}");
    return revision;
  }

  /** A call to etcd's JSON gateway, so no etcdctl is needed. */
  private String etcdCall(String path, String body) throws IOException, InterruptedException {
    HttpResponse<String> response =
        HTTP.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + etcdPort + path))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException("etcd " + path + ": " + response.statusCode() + " " + response.body());
    }
    return response.body();
  }

  @Override
  public synchronized void close() {
    for (Process p : new Process[] {apiServer, etcd}) {
      if (p != null) {
        p.destroyForcibly();
        try {
          p.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temporary directory
    }
  }
}
