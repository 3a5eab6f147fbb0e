package io.regcred.it;

import static io.regcred.it.Fixtures.basicAuthSecret;
import static io.regcred.it.Fixtures.namespace;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import io.regcred.testing.Credentials;
import io.regcred.testing.OperatorProcess;
import io.regcred.testing.Ports;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operator as it ships: the runtime payload the Dockerfile assembles (a jlink-trimmed JRE and
 * the jars, built by hack/payload.sh) run as two separate processes with leader election against
 * the real API server. The leader is killed with SIGKILL; the standby takes over. Prints the
 * payload size, the takeover time and the leader's resident memory at idle and under load.
 */
class PayloadFailoverIT {

  static final String NS = "regcred-ha";
  static final Path PAYLOAD = OperatorProcess.PAYLOAD;
  static final HttpClient HTTP = HttpClient.newHttpClient();

  final List<Process> processes = new ArrayList<>();

  @BeforeAll
  static void buildPayload() throws Exception {
    OperatorProcess.payload();
  }

  @AfterEach
  void killAll() {
    processes.forEach(Process::destroyForcibly);
  }

  @Test
  void standbyTakesOverWhenTheLeaderIsKilled() throws Exception {
    System.out.printf(
        "runtime payload: %.1f MiB (JRE %.1f MiB, jars %.1f MiB)%n",
        mib(PAYLOAD), mib(PAYLOAD.resolve("jre")), mib(PAYLOAD.resolve("app")));
    try (KubernetesClient client = TestCluster.newAdminClient()) {
      namespace(client, NS, Map.of());
      client.resource(basicAuthSecret(NS, "ha-src", "robot", "ha-pw")).create();
      Path kubeconfig = TestCluster.kubeconfigFile();

      int portA = Ports.freeLoopbackPort();
      Process a = start("op-a", portA, kubeconfig);
      awaitHttp(portA, "/readyz", 200, Duration.ofSeconds(90));
      await().atMost(Duration.ofSeconds(60)).until(() -> "op-a".equals(holder(client)));
      int portB = Ports.freeLoopbackPort();
      Process b = start("op-b", portB, kubeconfig);
      awaitHttp(portB, "/healthz", 200, Duration.ofSeconds(90));

      namespace(client, "ha-a", Map.of("ha", "yes"));
      client
          .resource(
              Credentials.named("ha-one")
                  .staticSource("ha-src", "quay.io")
                  .namespaces("ha-a")
                  .build())
          .create();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> client.secrets().inNamespace("ha-a").withName("ha-one").get() != null);
      Thread.sleep(3000);
      long idleRss = rssKib(a);

      // Load like the demo's, scaled up: 200 namespaces, one credential, every namespace written.
      List<String> load = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        String ns = "ha-load-" + i;
        load.add(ns);
        namespace(client, ns, Map.of("ha-load", "yes"));
      }
      long loadStart = System.nanoTime();
      client
          .resource(
              Credentials.named("ha-load")
                  .staticSource("ha-src", "quay.io")
                  .selector(Map.of("ha-load", "yes"))
                  .build())
          .create();
      await()
          .atMost(Duration.ofSeconds(120))
          .until(
              () -> {
                var c = client.resources(ClusterRegistryCredential.class).withName("ha-load").get();
                return c.getStatus() != null
                    && c.getStatus().getNamespaces() != null
                    && c.getStatus().getNamespaces().synced() == 200;
              });
      long fanOutMs = (System.nanoTime() - loadStart) / 1_000_000;
      long loadedRss = rssKib(a);
      String metrics = get(portA, "/metrics").body();
      assertThat(metrics)
          .contains("regcred_namespaces{credential=\"ha-load\",state=\"synced\"} 200.0");
      assertThat(metrics).contains("regcred_writes_total{kind=\"secret\",result=\"created\"}");
      System.out.printf(
          "leader resident memory: idle %d MiB, after fanning out to 200 namespaces %d MiB (fan-out took %d ms)%n",
          idleRss / 1024, loadedRss / 1024, fanOutMs);

      // SIGKILL the leader: no graceful Lease release, the worst case.
      a.destroyForcibly();
      a.waitFor(10, TimeUnit.SECONDS);
      Instant killed = Instant.now();
      namespace(client, "ha-b", Map.of());
      client
          .resource(
              Credentials.named("ha-two")
                  .staticSource("ha-src", "quay.io")
                  .namespaces("ha-b")
                  .build())
          .create();
      await()
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> client.secrets().inNamespace("ha-b").withName("ha-two").get() != null);
      Duration takeover = Duration.between(killed, Instant.now());
      assertThat(holder(client)).isEqualTo("op-b");
      System.out.printf(
          "failover: standby reconciled a new credential %d ms after the leader was killed (lease duration 15 s)%n",
          takeover.toMillis());
      assertThat(get(portB, "/readyz").statusCode()).isEqualTo(200);

      for (String name : List.of("ha-one", "ha-two", "ha-load")) {
        client.resources(ClusterRegistryCredential.class).withName(name).delete();
      }
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  client.resources(ClusterRegistryCredential.class).list().getItems().stream()
                      .noneMatch(c -> c.getMetadata().getName().startsWith("ha-")));
      b.destroy();
      assertThat(b.waitFor(20, TimeUnit.SECONDS)).as("graceful stop on SIGTERM").isTrue();
    }
  }

  private Process start(String identity, int port, Path kubeconfig) throws IOException {
    Process p =
        OperatorProcess.startPayload(
            kubeconfig,
            Map.of(
                "HOSTNAME",
                identity,
                "REGCRED_NAMESPACE",
                NS,
                "REGCRED_LEADER_ELECTION",
                "true",
                "REGCRED_HTTP_PORT",
                Integer.toString(port),
                "REGCRED_LOG_FORMAT",
                "json"),
            Path.of("target", identity + ".log"));
    processes.add(p);
    return p;
  }

  private static String holder(KubernetesClient client) {
    var lease = client.leases().inNamespace(NS).withName("regcred-operator-leader").get();
    return lease == null ? null : lease.getSpec().getHolderIdentity();
  }

  private static void awaitHttp(int port, String path, int status, Duration timeout) {
    await()
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(200))
        .ignoreExceptions()
        .until(() -> get(port, path).statusCode() == status);
  }

  private static HttpResponse<String> get(int port, String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static long rssKib(Process p) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(p.pid()), "status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new IllegalStateException("no VmRSS for " + p.pid());
  }

  private static double mib(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum()
          / (1024.0 * 1024.0);
    }
  }
}
