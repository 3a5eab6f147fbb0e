package io.regcred.it;

import static io.regcred.it.Fixtures.basicAuthSecret;
import static io.regcred.it.Fixtures.namespace;
import static io.regcred.it.Fixtures.serviceAccount;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.regcred.KubernetesClients;
import io.regcred.Labels;
import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import io.regcred.testing.Credentials;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Objects a tenant may create that are legal for the API server but hostile to a client: they must
 * not stop the operator, and an operator upgrade must not undo what it wrote before.
 */
class HostileObjectsIT {

  static final String OPERATOR_NS = "regcred-hostile";
  static final String TENANT = "hostile-tenant";

  /**
   * Names longer than the JSON parser's default limit, in places the API server turns into field
   * names (an owner reference's UID, a ServiceAccount's secrets): before and while the operator
   * runs, it keeps its Secrets in place.
   */
  @Test
  void objectsWithHugeNamesDoNotStopTheOperator() {
    // The test's own client has to read these objects back too.
    try (KubernetesClient client = KubernetesClients.create(TestCluster.adminConfig())) {
      namespace(client, OPERATOR_NS, Map.of());
      namespace(client, TENANT, Map.of());
      client.resource(basicAuthSecret(OPERATOR_NS, "hostile-src", "robot", "pw")).create();
      client
          .resource(
              new SecretBuilder()
                  .withNewMetadata()
                  .withName("poison")
                  .withNamespace(TENANT)
                  .withLabels(
                      Map.of(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE, Labels.CREDENTIAL, "x"))
                  .withOwnerReferences(hugeOwner())
                  .endMetadata()
                  .build())
          .create();
      client
          .resource(
              new ServiceAccountBuilder()
                  .withNewMetadata()
                  .withName("poison")
                  .withNamespace(TENANT)
                  .endMetadata()
                  .addNewSecret()
                  .withName("q".repeat(60_000))
                  .endSecret()
                  .build())
          .create();
      serviceAccount(client, TENANT, "default");
      try (RunningOperator operator =
          RunningOperator.start(TestCluster.newAdminClient(), OPERATOR_NS)) {
        client
            .resource(
                Credentials.named("hostile")
                    .staticSource("hostile-src", "r.test")
                    .namespaces(TENANT)
                    .build())
            .create();
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> client.secrets().inNamespace(TENANT).withName("hostile").get() != null);

        client
            .resource(
                new ServiceAccountBuilder()
                    .withNewMetadata()
                    .withName("poison-live")
                    .withNamespace(TENANT)
                    .withOwnerReferences(hugeOwner())
                    .endMetadata()
                    .build())
            .create();
        client.secrets().inNamespace(TENANT).withName("hostile").delete();
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> client.secrets().inNamespace(TENANT).withName("hostile").get() != null);
        assertThat(
                client
                    .serviceAccounts()
                    .inNamespace(TENANT)
                    .withName("default")
                    .get()
                    .getImagePullSecrets())
            .extracting(r -> r.getName())
            .contains("hostile");
        CredentialChecks.deleteAndWait(client, "hostile");
      }
    }
  }

  /**
   * A namespace the operator now denies keeps what was written there before (nothing denied is
   * touched, not even to clean up), and the status says why it gets nothing new.
   */
  @Test
  void aNewlyDeniedNamespaceKeepsItsSecretAndStatusSaysWhy() {
    String ns = "hostile-denied";
    try (KubernetesClient client = TestCluster.newAdminClient()) {
      namespace(client, OPERATOR_NS, Map.of());
      namespace(client, ns, Map.of());
      client
          .resource(basicAuthSecret(OPERATOR_NS, "deny-src", "robot", "pw"))
          .createOr(r -> r.update());
      var open = RunningOperator.config(OPERATOR_NS, Map.of("REGCRED_DENIED_NAMESPACES", ""));
      try (RunningOperator operator = RunningOperator.start(TestCluster.newAdminClient(), open)) {
        client
            .resource(
                Credentials.named("deny").staticSource("deny-src", "r.test").namespaces(ns).build())
            .create();
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> CredentialChecks.ready(client, "deny", 1));
      }
      var denying = RunningOperator.config(OPERATOR_NS, Map.of("REGCRED_DENIED_NAMESPACES", ns));
      try (RunningOperator operator =
          RunningOperator.start(TestCluster.newAdminClient(), denying)) {
        await()
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(
                () ->
                    assertThat(
                            client
                                .resources(ClusterRegistryCredential.class)
                                .withName("deny")
                                .get()
                                .getStatus()
                                .getFailures())
                        .extracting(f -> f.namespace() + "=" + f.reason())
                        .containsExactly(ns + "=NamespaceDenied"));
        assertThat(client.secrets().inNamespace(ns).withName("deny").get()).isNotNull();
        CredentialChecks.deleteAndWait(client, "deny");
      }
    }
  }

  private static io.fabric8.kubernetes.api.model.OwnerReference hugeOwner() {
    return new OwnerReferenceBuilder()
        .withApiVersion("v1")
        .withKind("ConfigMap")
        .withName("x")
        .withUid("u".repeat(60_000))
        .build();
  }
}
