package io.regcred.reconciler;

import static io.regcred.it.Fixtures.namespace;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.regcred.api.v1alpha1.RegistryCredential;
import io.regcred.api.v1alpha1.RegistryCredentialStatus;
import io.regcred.it.ApiRequestLog;
import io.regcred.it.TestCluster;
import io.regcred.model.StatusFactory;
import io.regcred.model.StatusFactory.SourceState;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The status a reconcile decides from, on a real API server: after a write, a reconcile that starts
 * before the informer has seen it (its copy of the credential still has the old status) starts from
 * what was written, so it neither decides the same transition again (and sends its Event twice) nor
 * writes the same status twice.
 */
class StatusWriterIT {

  static KubernetesClient client;

  @BeforeAll
  static void connect() {
    client = TestCluster.newAdminClient();
    namespace(client, "status-writer", Map.of());
  }

  @AfterAll
  static void close() {
    client.close();
  }

  @Test
  void aReconcileBeforeTheCacheCatchesUpStartsFromTheStatusItWrote() {
    RegistryCredential created =
        client
            .resource(
                io.regcred.testing.NamespacedCredentials.named("status-writer", "w")
                    .staticSource("creds", "registry.example.test")
                    .build())
            .create();
    var log = new ApiRequestLog();
    var writerClient = log.client(TestCluster.adminConfig());
    var writer =
        new StatusWriter<>(
            writerClient, RegistryCredential.class, RegistryCredential::key, () -> 0L);
    RegistryCredential stale = Serialization.clone(created); // as the cache still has it
    RegistryCredentialStatus decided =
        StatusFactory.build(
            null,
            1L,
            "static",
            SourceState.available("static credential", Optional.empty()),
            null,
            Optional.empty(),
            Optional.empty(),
            Instant.parse("2026-01-01T00:00:00Z"));

    assertThat(writer.write(created, decided).failed()).isFalse();
    assertThat(stored().getStatus()).isEqualTo(decided);
    assertThat(log.sent())
        .as("one request, the patch: the credential is not read first")
        .containsExactly(
            new ApiRequestLog.Request(
                "patch", "regcred.io", "registrycredentials/status", "status-writer"));

    assertThat(writer.latest(stale)).as("the base of the next decisions").isEqualTo(decided);
    String before = stored().getMetadata().getResourceVersion();
    assertThat(writer.write(stale, decided).failed()).isFalse();
    assertThat(stored().getMetadata().getResourceVersion())
        .as("the same status is not written again")
        .isEqualTo(before);
    client.resource(created).delete();
    writerClient.close();
  }

  private static RegistryCredential stored() {
    return client
        .resources(RegistryCredential.class)
        .inNamespace("status-writer")
        .withName("w")
        .get();
  }
}
