package io.regcred.it;

import static io.regcred.it.CredentialChecks.dockerConfig;
import static io.regcred.it.Fixtures.b64;
import static io.regcred.it.Fixtures.basicAuthSecret;
import static io.regcred.it.Fixtures.namespace;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.regcred.Annotations;
import io.regcred.Labels;
import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import io.regcred.config.OperatorConfig;
import io.regcred.testing.Credentials;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a tenant can write in a target namespace (Secrets, labels) never becomes the operator's
 * input: not the token other namespaces get, not a loop, not a namespace it was never meant to
 * reach.
 */
class TrustBoundaryIT {

  static final String OPERATOR_NS = "regcred-trust";
  static final String SERVER = "registry.trust.test:5000";
  static KubernetesClient client;
  static RunningOperator operator;

  @BeforeAll
  static void startOperator() {
    client = TestCluster.newAdminClient();
    namespace(client, OPERATOR_NS, Map.of());
    operator = RunningOperator.start(TestCluster.newAdminClient(), OPERATOR_NS);
  }

  @AfterAll
  static void stopOperator() {
    for (String name : List.of("t1", "t3", "t4")) {
      CredentialChecks.deleteAndWait(client, name);
    }
    operator.close();
    client.close();
  }

  /**
   * T1: a tenant edits its copy (new data, an issued-at of now and an expiry in 2100). Nothing of
   * it reaches another namespace or the status, and its own copy is put right.
   */
  @Test
  void aTenantsEditedCopyIsCorrectedAndNeverSpreads() {
    client.resource(basicAuthSecret(OPERATOR_NS, "t1-src", "robot", "t1-real")).create();
    for (String ns : List.of("t1-tenant", "t1-victim")) {
      namespace(client, ns, Map.of());
    }
    client
        .resource(
            Credentials.named("t1")
                .staticSource("t1-src", SERVER)
                .namespaces("t1-tenant", "t1-victim")
                .build())
        .create();
    await().atMost(Duration.ofSeconds(30)).until(() -> CredentialChecks.ready(client, "t1", 2));

    String forged = "{\"auths\":{\"" + SERVER + "\":{\"auth\":\"" + b64("evil:forged") + "\"}}}";
    Secret mine = secret("t1-tenant", "t1");
    client
        .resource(
            new SecretBuilder(mine)
                .editMetadata()
                .addToAnnotations(Annotations.ISSUED_AT, java.time.Instant.now().toString())
                .addToAnnotations(Annotations.EXPIRES_AT, "2100-01-01T00:00:00Z")
                .endMetadata()
                .withData(Map.of(".dockerconfigjson", b64(forged)))
                .build())
        .update();
    // Anything that makes the operator look again: a new namespace in the target set.
    namespace(client, "t1-late", Map.of());
    ClusterRegistryCredential credential =
        client.resources(ClusterRegistryCredential.class).withName("t1").get();
    credential
        .getSpec()
        .getTarget()
        .getNamespaces()
        .setNames(List.of("t1-tenant", "t1-victim", "t1-late"));
    client.resource(credential).update();

    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              for (String ns : List.of("t1-tenant", "t1-victim", "t1-late")) {
                assertThat(dockerConfig(secret(ns, "t1")))
                    .as(ns)
                    .contains("t1-real")
                    .doesNotContain("evil");
              }
            });
    var status = client.resources(ClusterRegistryCredential.class).withName("t1").get().getStatus();
    assertThat(status.getExpiresAt()).isNull();
  }

  /**
   * T3: Secrets of the wrong shape in our place are reported as conflicts with a reason and never
   * rewritten in a loop; a copy of ours whose label was stripped is ours and is relabelled.
   */
  @Test
  void wrongTypeAndImmutableAreConflictsAndAStrippedLabelIsRestored() throws Exception {
    client.resource(basicAuthSecret(OPERATOR_NS, "t3-src", "robot", "t3-pw")).create();
    for (String ns : List.of("t3-opaque", "t3-immutable", "t3-stripped")) {
      namespace(client, ns, Map.of("t3", "yes"));
    }
    Map<String, String> ourLabels =
        Map.of(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE, Labels.CREDENTIAL, "t3");
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("t3")
                .withNamespace("t3-opaque")
                .withLabels(ourLabels)
                .endMetadata()
                .withType("Opaque")
                .withData(Map.of("x", b64("y")))
                .build())
        .create();
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("t3")
                .withNamespace("t3-immutable")
                .withLabels(ourLabels)
                .endMetadata()
                .withType("kubernetes.io/dockerconfigjson")
                .withImmutable(true)
                .withData(Map.of(".dockerconfigjson", b64("{\"auths\":{}}")))
                .build())
        .create();
    client
        .resource(
            Credentials.named("t3")
                .staticSource("t3-src", SERVER)
                .selector(Map.of("t3", "yes"))
                .build())
        .create();

    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              var status =
                  client
                      .resources(ClusterRegistryCredential.class)
                      .withName("t3")
                      .get()
                      .getStatus();
              assertThat(status).isNotNull();
              assertThat(status.getFailures())
                  .extracting(f -> f.namespace() + "=" + f.reason())
                  .containsExactlyInAnyOrder(
                      "t3-opaque=SecretTypeConflict", "t3-immutable=SecretImmutable");
              assertThat(status.getNamespaces().synced()).isEqualTo(1);
            });
    String opaqueVersion = secret("t3-opaque", "t3").getMetadata().getResourceVersion();
    String immutableVersion = secret("t3-immutable", "t3").getMetadata().getResourceVersion();
    List<String> writesBefore = writes();
    // Events about the credential keep coming (a namespace relabel); no write is retried.
    namespace(client, "t3-stripped", Map.of("t3", "yes", "touch", "1"));
    Thread.sleep(3_000);
    assertThat(secret("t3-opaque", "t3").getMetadata().getResourceVersion())
        .isEqualTo(opaqueVersion);
    assertThat(secret("t3-immutable", "t3").getMetadata().getResourceVersion())
        .isEqualTo(immutableVersion);
    assertThat(writes()).isEqualTo(writesBefore);

    Secret ours = secret("t3-stripped", "t3");
    client
        .resource(new SecretBuilder(ours).editMetadata().withLabels(Map.of()).endMetadata().build())
        .update();
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(secret("t3-stripped", "t3").getMetadata().getLabels())
                    .containsAllEntriesOf(ourLabels));
    assertThat(secret("t3-stripped", "t3").getMetadata().getUid())
        .isEqualTo(ours.getMetadata().getUid());
  }

  /**
   * T4: what the operator writes is fixed: after a tenant changes our Secret (data, labels,
   * annotations, a foreign owner), the rewrite carries exactly our labels, annotations, owner and
   * type, and nothing of the source Secret's own metadata.
   */
  @Test
  void theWrittenSecretCarriesOnlyWhatTheOperatorOwns() {
    Secret source = basicAuthSecret(OPERATOR_NS, "t4-src", "robot", "t4-pw");
    source.getMetadata().setLabels(Map.of("from-source", "label"));
    source.getMetadata().setAnnotations(Map.of("from-source", "annotation"));
    client.resource(source).create();
    namespace(client, "t4-a", Map.of());
    client
        .resource(Credentials.named("t4").staticSource("t4-src", SERVER).namespaces("t4-a").build())
        .create();
    await().atMost(Duration.ofSeconds(30)).until(() -> CredentialChecks.ready(client, "t4", 1));
    Secret written = secret("t4-a", "t4");
    assertOnlyOurs(written);

    client
        .resource(
            new SecretBuilder(written)
                .editMetadata()
                .addToLabels("tenant", "label")
                .addToAnnotations("tenant", "annotation")
                .addToOwnerReferences(
                    new OwnerReferenceBuilder()
                        .withApiVersion("v1")
                        .withKind("ConfigMap")
                        .withName("mine")
                        .withUid("00000000-0000-0000-0000-000000000001")
                        .build())
                .endMetadata()
                .withData(Map.of(".dockerconfigjson", b64("{\"auths\":{}}")))
                .build())
        .update();

    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(() -> assertThat(dockerConfig(secret("t4-a", "t4"))).contains("t4-pw"));
    assertOnlyOurs(secret("t4-a", "t4"));
  }

  private static void assertOnlyOurs(Secret written) {
    assertThat(written.getType()).isEqualTo("kubernetes.io/dockerconfigjson");
    assertThat(written.getData()).containsOnlyKeys(".dockerconfigjson");
    assertThat(written.getMetadata().getLabels())
        .containsOnlyKeys(Labels.MANAGED_BY, Labels.CREDENTIAL);
    assertThat(written.getMetadata().getAnnotations().keySet())
        .allMatch(k -> k.startsWith("regcred.io/"))
        .doesNotContain(Annotations.OBSERVED_FINGERPRINT);
    assertThat(written.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(o -> assertThat(o.getKind()).isEqualTo("ClusterRegistryCredential"));
  }

  /** T2: kube-system is on the operator's deny list: neither its labels nor its name reach it. */
  @Test
  void deniedNamespacesAreNeverWrittenWhateverTheSelector() {
    namespace(client, "kube-system", Map.of("t2", "yes"));
    namespace(client, "t2-team", Map.of("t2", "yes"));
    client.resource(basicAuthSecret(OPERATOR_NS, "t2-src", "robot", "t2-pw")).create();
    client
        .resource(
            Credentials.named("t2")
                .staticSource("t2-src", SERVER)
                .namespaces("kube-system")
                .selector(Map.of("t2", "yes"))
                .build())
        .create();

    await().atMost(Duration.ofSeconds(30)).until(() -> secret("t2-team", "t2") != null);
    assertThat(secret("kube-system", "t2")).isNull();
    assertThat(OperatorConfig.DEFAULT_DENIED_NAMESPACES).contains("kube-system");
    CredentialChecks.deleteAndWait(client, "t2");
  }

  /** Every write the operator counted so far, by kind and result. */
  private static List<String> writes() {
    return operator
        .main()
        .metrics()
        .scrape()
        .lines()
        .filter(l -> l.startsWith("regcred_writes_total"))
        .sorted()
        .toList();
  }

  private static Secret secret(String ns, String name) {
    return client.secrets().inNamespace(ns).withName(name).get();
  }
}
