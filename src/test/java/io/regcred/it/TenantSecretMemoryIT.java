package io.regcred.it;

import static io.regcred.it.Fixtures.basicAuthSecret;
import static io.regcred.it.Fixtures.namespace;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.regcred.Labels;
import io.regcred.testing.Credentials;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * T7: Secrets a tenant labels as ours cost the operator no memory for their data. {@code make
 * bench} runs it with 500 Secrets of 1 MiB ({@code -Dregcred.bench.tenantSecrets=500}) and prints
 * the heap after GC against the heap before they existed.
 */
class TenantSecretMemoryIT {

  static final String OPERATOR_NS = "regcred-memory";
  static final String TENANT_NS = "mem-tenant";
  static final int SECRET_BYTES = 1_000_000; // the API server's limit is 1 MiB of data per Secret

  @Test
  void labelledTenantSecretsAreCachedWithoutTheirData() throws Exception {
    int count = Integer.getInteger("regcred.bench.tenantSecrets", 40);
    try (KubernetesClient client = TestCluster.newAdminClient();
        RunningOperator operator =
            RunningOperator.start(TestCluster.newAdminClient(), OPERATOR_NS)) {
      namespace(client, OPERATOR_NS, Map.of());
      namespace(client, TENANT_NS, Map.of());
      client.resource(basicAuthSecret(OPERATOR_NS, "mem-src", "robot", "mem-pw")).create();
      client
          .resource(
              Credentials.named("mem")
                  .staticSource("mem-src", "r.mem.test")
                  .namespaces(TENANT_NS)
                  .build())
          .create();
      await().atMost(Duration.ofSeconds(30)).until(() -> CredentialChecks.ready(client, "mem", 1));
      var cache = managedSecretCache(operator);
      // The same path once, so the baseline already holds what its first run loads for good.
      createBulk(client, 3);
      await().atMost(Duration.ofSeconds(30)).until(() -> cache.list(TENANT_NS).count() == 4);
      client.secrets().inNamespace(TENANT_NS).withLabel("bulk", "yes").delete();
      await().atMost(Duration.ofSeconds(30)).until(() -> cache.list(TENANT_NS).count() == 1);
      long baseline = heapAfterGc();

      long start = System.nanoTime();
      createBulk(client, count);
      await().atMost(Duration.ofMinutes(5)).until(() -> cache.list(TENANT_NS).count() >= count + 1);
      long created = System.nanoTime() - start;
      List<Secret> cached = cache.list(TENANT_NS).toList();
      long after = heapAfterGc();

      System.out.printf(
          "tenant secrets memory: %d labelled Secrets of %d bytes (created in %.1f s): heap after"
              + " GC %.1f MiB, before %.1f MiB, ratio %.3f%n",
          count,
          SECRET_BYTES,
          created / 1e9,
          after / 1048576.0,
          baseline / 1048576.0,
          (double) after / baseline);
      assertThat(cached)
          .hasSize(count + 1)
          .allSatisfy(s -> assertThat(s.getData()).isNullOrEmpty());
      assertThat(cached)
          .allSatisfy(
              s ->
                  assertThat(s.getMetadata().getLabels())
                      .as("only our labels are kept")
                      .doesNotContainKey("bulk"));

      client.secrets().inNamespace(TENANT_NS).withLabel("bulk", "yes").delete();
      CredentialChecks.deleteAndWait(client, "mem");
    }
  }

  /** Labelled like ours, 1 MiB each: what a tenant who wants the operator out of memory writes. */
  private static void createBulk(KubernetesClient client, int count) {
    byte[] blob = new byte[SECRET_BYTES];
    new Random(7).nextBytes(blob);
    String data = Base64.getEncoder().encodeToString(blob);
    for (int i = 0; i < count; i++) {
      client
          .resource(
              new SecretBuilder()
                  .withNewMetadata()
                  .withName("bulk-" + i)
                  .withNamespace(TENANT_NS)
                  .withLabels(
                      Map.of(
                          Labels.MANAGED_BY,
                          Labels.MANAGED_BY_VALUE,
                          Labels.CREDENTIAL,
                          "mem",
                          "bulk",
                          "yes"))
                  .endMetadata()
                  .withData(Map.of("blob", data))
                  .build())
          .create();
    }
  }

  @SuppressWarnings("unchecked")
  private static InformerEventSource<Secret, ?> managedSecretCache(RunningOperator operator) {
    return (InformerEventSource<Secret, ?>)
        operator
            .main()
            .operator()
            .getRegisteredController("clusterregistrycredential")
            .orElseThrow()
            .getControllerHealthInfo()
            .eventSourceHealthIndicators()
            .get("managed-secrets");
  }

  private static long heapAfterGc() throws InterruptedException {
    var memory = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    return memory.getHeapMemoryUsage().getUsed();
  }
}
