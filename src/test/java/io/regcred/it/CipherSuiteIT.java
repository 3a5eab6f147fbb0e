package io.regcred.it;

import static io.regcred.it.Fixtures.namespace;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.regcred.KubernetesClients;
import io.regcred.testing.OperatorProcess;
import io.regcred.testing.Ports;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The cipher the API server chooses for the operator's connections, read from the ServerHello of
 * each connection as it passes a TCP proxy (that message is not encrypted): ChaCha20-Poly1305 for
 * the operator as it ships (its JVM compiles with the quick compiler only, which has no AES-GCM
 * intrinsics), AES-GCM for a client on a JVM with the optimising compiler, as for fabric8's own.
 */
class CipherSuiteIT {

  static final String NS = "regcred-cipher";

  /** TLS 1.3 cipher suite codes (RFC 8446, B.4). */
  static final int TLS_AES_128_GCM_SHA256 = 0x1301;

  static final int TLS_AES_256_GCM_SHA384 = 0x1302;
  static final int TLS_CHACHA20_POLY1305_SHA256 = 0x1303;

  @Test
  void theShippedOperatorsConnectionsUseChaCha20() throws Exception {
    try (KubernetesClient admin = TestCluster.newAdminClient();
        TcpProxy proxy = new TcpProxy(apiServerPort())) {
      namespace(admin, NS, Map.of());
      Path kubeconfig = Files.createTempFile("cipher-", ".kubeconfig");
      Files.writeString(
          kubeconfig,
          Files.readString(TestCluster.kubeconfigFile())
              .replace(
                  TestCluster.adminConfig().getMasterUrl().replaceAll("/$", ""),
                  "https://127.0.0.1:" + proxy.port()));
      int port = Ports.freeLoopbackPort();
      Process operator =
          OperatorProcess.startPayload(
              kubeconfig,
              Map.of("REGCRED_NAMESPACE", NS, "REGCRED_HTTP_PORT", Integer.toString(port)),
              Path.of("target", "cipher-operator.log"));
      try {
        await()
            .atMost(Duration.ofSeconds(90))
            .pollInterval(Duration.ofMillis(200))
            .ignoreExceptions()
            .until(() -> HealthIT.status(port, "/readyz") == 200);

        List<Integer> chosen = proxy.serverGreetings().stream().map(CipherSuiteIT::suite).toList();
        System.out.printf("operator connections: %d, cipher suites %s%n", chosen.size(), chosen);
        assertThat(chosen)
            .as("its list and watch connections, each")
            .isNotEmpty()
            .containsOnly(TLS_CHACHA20_POLY1305_SHA256);
      } finally {
        operator.destroy();
        operator.waitFor(20, TimeUnit.SECONDS);
        Files.deleteIfExists(kubeconfig);
      }
    }
  }

  @Test
  void withTheOptimisingCompilerTheOrderStaysAsNettysAndTheServerPicksAesGcm() throws Exception {
    try (TcpProxy proxy = new TcpProxy(apiServerPort())) {
      var throughProxy =
          new ConfigBuilder(TestCluster.adminConfig())
              .withMasterUrl("https://127.0.0.1:" + proxy.port())
              .build();
      // The operator's client in this JVM (which runs C2), and fabric8's own, built as usual.
      try (KubernetesClient ours = KubernetesClients.create(throughProxy);
          KubernetesClient plain = new KubernetesClientBuilder().withConfig(throughProxy).build()) {
        ours.namespaces().withName("default").get();
        plain.namespaces().withName("default").get();
      }
      assertThat(proxy.serverGreetings())
          .hasSize(2)
          .extracting(CipherSuiteIT::suite)
          .allMatch(s -> s == TLS_AES_128_GCM_SHA256 || s == TLS_AES_256_GCM_SHA384);
    }
  }

  /**
   * The cipher suite a ServerHello names: a handshake record (22), message type 2, after the
   * version (2 bytes), the random (32) and the session id (length-prefixed).
   */
  static int suite(byte[] greeting) {
    assertThat(greeting.length).as("a ServerHello's start").isGreaterThan(43);
    assertThat(greeting[0]).as("a TLS handshake record").isEqualTo((byte) 22);
    assertThat(greeting[5]).as("a ServerHello").isEqualTo((byte) 2);
    int sessionIdLength = greeting[43] & 0xff;
    assertThat(greeting.length).as("up to its cipher suite").isGreaterThan(45 + sessionIdLength);
    return ((greeting[44 + sessionIdLength] & 0xff) << 8) | (greeting[45 + sessionIdLength] & 0xff);
  }

  private static int apiServerPort() {
    return URI.create(TestCluster.adminConfig().getMasterUrl()).getPort();
  }
}
