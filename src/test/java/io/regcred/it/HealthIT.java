package io.regcred.it;

import static io.regcred.it.Fixtures.basicAuthSecret;
import static io.regcred.it.Fixtures.namespace;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import io.regcred.testing.Credentials;
import io.regcred.testing.Ports;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * /healthz and /readyz: readiness turns false when the operator loses its watches on the API server
 * and true again when they recover; a standby replica is ready; /metrics serves Prometheus text
 * with the framework's and our metrics.
 */
class HealthIT {

  static final String NS = "regcred-health";
  static final HttpClient HTTP = HttpClient.newHttpClient();

  @Test
  void readinessFollowsTheWatchesAndAStandbyIsReady() throws Exception {
    try (KubernetesClient admin = TestCluster.newAdminClient()) {
      namespace(admin, NS, Map.of());
      admin.resource(basicAuthSecret(NS, "health-src", "robot", "health-pw")).create();
      int apiPort = URI.create(TestCluster.adminConfig().getMasterUrl()).getPort();
      try (TcpProxy proxy = new TcpProxy(apiPort)) {
        var throughProxy =
            new ConfigBuilder(TestCluster.adminConfig())
                .withMasterUrl("https://127.0.0.1:" + proxy.port())
                .build();
        int port = Ports.freeLoopbackPort();
        var config =
            RunningOperator.config(
                NS,
                Map.of(
                    "REGCRED_LEADER_ELECTION", "true",
                    "REGCRED_LEASE_NAME", "health-leader",
                    "REGCRED_LEADER_IDENTITY", "health-a",
                    "REGCRED_HTTP_PORT", String.valueOf(port)));
        try (RunningOperator leader =
            RunningOperator.start(
                new KubernetesClientBuilder().withConfig(throughProxy).build(), config)) {
          await()
              .atMost(Duration.ofSeconds(60))
              .ignoreExceptions()
              .until(() -> status(port, "/readyz") == 200);
          assertThat(status(port, "/healthz")).isEqualTo(200);

          // A standby (same Lease, its own identity) is ready too: rollouts of two replicas finish.
          int standbyPort = Ports.freeLoopbackPort();
          var standbyConfig =
              RunningOperator.config(
                  NS,
                  Map.of(
                      "REGCRED_LEADER_ELECTION", "true",
                      "REGCRED_LEASE_NAME", "health-leader",
                      "REGCRED_LEADER_IDENTITY", "health-b",
                      "REGCRED_HTTP_PORT", String.valueOf(standbyPort)));
          try (RunningOperator standby =
              RunningOperator.start(TestCluster.newAdminClient(), standbyConfig)) {
            await()
                .atMost(Duration.ofSeconds(30))
                .ignoreExceptions()
                .until(() -> status(standbyPort, "/readyz") == 200);
            assertThat(
                    admin
                        .leases()
                        .inNamespace(NS)
                        .withName("health-leader")
                        .get()
                        .getSpec()
                        .getHolderIdentity())
                .isEqualTo("health-a");

            // Cut the leader off the API server for a few seconds (less than the Lease's renew
            // deadline, so it stays leader): its watches are lost, readiness drops, then recovers.
            long cutAt = System.nanoTime();
            proxy.cut();
            await()
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> status(port, "/readyz") == 503);
            System.out.printf(
                "readiness: 503 after %d ms without the API server%n",
                (System.nanoTime() - cutAt) / 1_000_000);
            assertThat(status(port, "/healthz")).as("alive all the same").isEqualTo(200);
            proxy.start();
            long restoredAt = System.nanoTime();
            await()
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> status(port, "/readyz") == 200);
            System.out.printf(
                "readiness: 200 again %d ms after the API server came back%n",
                (System.nanoTime() - restoredAt) / 1_000_000);
          }

          // The recovered leader still works, and /metrics shows it.
          namespace(admin, "health-a", Map.of());
          admin
              .resource(
                  Credentials.named("health")
                      .staticSource("health-src", "quay.io")
                      .namespaces("health-a")
                      .build())
              .create();
          await()
              .atMost(Duration.ofSeconds(60))
              .until(
                  () -> admin.secrets().inNamespace("health-a").withName("health").get() != null);
          await()
              .atMost(Duration.ofSeconds(10))
              .until(
                  () ->
                      get(port, "/metrics")
                          .body()
                          .contains("regcred_namespaces{credential=\"health\""));
          String metrics = get(port, "/metrics").body();
          assertThat(metrics)
              .contains("regcred_namespaces{credential=\"health\",state=\"synced\"} 1.0")
              .contains(
                  "regcred_provider_calls_total{credential=\"health\",result=\"success\",source=\"static\"}")
              .contains("regcred_token_expiry_seconds{credential=\"health\"} NaN")
              .contains("operator_sdk_");
          admin.resources(ClusterRegistryCredential.class).withName("health").delete();
          await()
              .atMost(Duration.ofSeconds(30))
              .until(
                  () ->
                      admin.resources(ClusterRegistryCredential.class).withName("health").get()
                          == null);
        }
      }
    }
  }

  /** The status of a GET of the operator's health server on this port. */
  static int status(int port, String path) throws Exception {
    return get(port, path).statusCode();
  }

  private static HttpResponse<String> get(int port, String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(5))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
