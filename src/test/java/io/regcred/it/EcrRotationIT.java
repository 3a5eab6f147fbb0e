package io.regcred.it;

import static io.regcred.it.CredentialChecks.condition;
import static io.regcred.it.Fixtures.namespace;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import io.regcred.model.ConditionType;
import io.regcred.provider.ProviderHttp;
import io.regcred.provider.ecr.AwsEndpoints;
import io.regcred.provider.ecr.AwsIdentityEnv;
import io.regcred.provider.ecr.EcrTokenProvider;
import io.regcred.provider.ecr.FakeAws;
import io.regcred.provider.ecr.FakeAws.Operation;
import io.regcred.testing.Credentials;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * ECR end to end: the real AWS SDK against a local fake that speaks GetAuthorizationToken and
 * checks SigV4, the operator on a real API server. One fetch per rotation, rotation from the
 * token's own expiry, outages, restarts and spec changes.
 */
class EcrRotationIT {

  static final String NS = "regcred-ecr";
  static final String KEY_ID = "AKIDREGCREDTEST0001";
  static final String SECRET_KEY = "sk-CANARY-" + System.nanoTime();
  static final Operation GET_TOKEN = Operation.ECR;

  static KubernetesClient client;
  static LogCapture logs;
  FakeAws aws;
  RunningOperator operator;

  @BeforeAll
  static void setUp() {
    logs = new LogCapture();
    client = TestCluster.newAdminClient();
    namespace(client, NS, Map.of());
    Fixtures.awsKeys(client, NS, KEY_ID, SECRET_KEY);
  }

  @AfterAll
  static void tearDown() {
    client.close();
    logs.close();
  }

  @AfterEach
  void stop() {
    for (var c : client.resources(ClusterRegistryCredential.class).list().getItems()) {
      client.resource(c).delete();
    }
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> client.resources(ClusterRegistryCredential.class).list().getItems().isEmpty());
    operator.close();
    aws.close();
  }

  private void startAws(Duration lifetime) throws Exception {
    aws =
        FakeAws.start("eu-west-1")
            .allow(KEY_ID, SECRET_KEY)
            .tokenLifetime(lifetime)
            .passwordPrefix("ecrpw-CANARY-");
    operator = startOperator();
  }

  private RunningOperator startOperator() {
    var endpoints =
        new AwsEndpoints(Optional.of(aws.uri()), Optional.of(aws.uri()), Optional.of(aws.uri()));
    return RunningOperator.start(
        TestCluster.newAdminClient(),
        NS,
        secrets ->
            List.of(
                new EcrTokenProvider(
                    secrets,
                    Clock.systemUTC(),
                    endpoints,
                    ProviderHttp.defaults(),
                    AwsIdentityEnv.none())));
  }

  private static void credential(String name, String label, List<String> registryIds) {
    client.resource(ecrCredential(name, label, registryIds).build()).serverSideApply();
  }

  private static Credentials ecrCredential(String name, String label, List<String> registryIds) {
    return Credentials.named(name)
        .ecr(Credentials.ecrSource("eu-west-1", "aws-keys", registryIds.toArray(String[]::new)))
        .selector(Map.of("ecr", label));
  }

  @Test
  void oneFetchForAllNamespacesAndRotationBeforeExpiryInPlace() throws Exception {
    startAws(Duration.ofSeconds(20));
    for (String ns : List.of("ecr-a", "ecr-b", "ecr-c")) {
      namespace(client, ns, Map.of("ecr", "rot"));
    }
    credential("rot", "rot", List.of("111111111111", "222222222222"));
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertReady("rot", 3));
    assertThat(aws.calls(GET_TOKEN)).isEqualTo(1);
    assertThat(aws.accessKeyIds(GET_TOKEN)).containsOnly(KEY_ID);

    Secret first = secret("ecr-b", "rot");
    JsonNode auths = dockerConfig(first).get("auths");
    assertThat(auths.fieldNames())
        .toIterable()
        .containsExactlyInAnyOrder(
            "111111111111.dkr.ecr.eu-west-1.amazonaws.com",
            "222222222222.dkr.ecr.eu-west-1.amazonaws.com");
    JsonNode entry = auths.get("111111111111.dkr.ecr.eu-west-1.amazonaws.com");
    assertThat(entry.get("username").asText()).isEqualTo("AWS");
    String password = entry.get("password").asText();
    assertThat(password).startsWith("ecrpw-CANARY-");
    Instant expiresAt =
        Instant.parse(first.getMetadata().getAnnotations().get("regcred.io/expires-at"));
    var status =
        client.resources(ClusterRegistryCredential.class).withName("rot").get().getStatus();
    assertThat(Instant.parse(status.getExpiresAt()))
        .isEqualTo(expiresAt.truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    assertThat(Instant.parse(status.getNextRefreshTime())).isBefore(expiresAt);

    // Rotation comes from the token's own expiry (half its life, with jitter), well before it.
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> !passwordIn("ecr-b", "rot").equals(password));
    Instant rotatedAt = Instant.now();
    System.out.printf(
        "ECR rotation: %d ms before the old token expired%n",
        Duration.between(rotatedAt, expiresAt).toMillis());
    assertThat(rotatedAt).isBefore(expiresAt);
    assertThat(secret("ecr-b", "rot").getMetadata().getUid())
        .isEqualTo(first.getMetadata().getUid());
    assertThat(aws.calls(GET_TOKEN)).isEqualTo(2);
    String second = passwordIn("ecr-b", "rot");
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                passwordIn("ecr-a", "rot").equals(second)
                    && passwordIn("ecr-c", "rot").equals(second));
    assertNoLeak();
  }

  @Test
  void outageKeepsTheLastSecretsAndSaysWhyThenExpiringMakesItLoud() throws Exception {
    startAws(Duration.ofSeconds(20));
    namespace(client, "ecr-out", Map.of("ecr", "out"));
    credential("out", "out", List.of("123456789012"));
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertReady("out", 1));
    Secret good = secret("ecr-out", "out");
    aws.failNextWithServerError(GET_TOKEN, 1000);

    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              var status =
                  client
                      .resources(ClusterRegistryCredential.class)
                      .withName("out")
                      .get()
                      .getStatus();
              assertThat(condition(status, ConditionType.SourceAvailable).getStatus())
                  .isEqualTo("False");
              assertThat(condition(status, ConditionType.SourceAvailable).getReason())
                  .isEqualTo("ProviderUnavailable");
            });
    assertThat(secret("ecr-out", "out").getMetadata().getResourceVersion())
        .isEqualTo(good.getMetadata().getResourceVersion());
    // In the token's last tenth of life, Ready says Expiring, and a Warning Event says so too.
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(condition(client, "out", ConditionType.Ready).getReason())
                    .isEqualTo("Expiring"));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                client.v1().events().inNamespace("default").list().getItems().stream()
                    .anyMatch(
                        e ->
                            "out".equals(e.getInvolvedObject().getName())
                                && "Expiring".equals(e.getReason())));
    int attempts = aws.calls(GET_TOKEN);
    assertThat(attempts).as("retries kept going before expiry").isGreaterThanOrEqualTo(3);
    assertThat(secret("ecr-out", "out").getMetadata().getResourceVersion())
        .isEqualTo(good.getMetadata().getResourceVersion());
    assertNoLeak();
  }

  @Test
  void restartedOperatorReusesTheLiveTokenAndSpecChangesFetchAtOnce() throws Exception {
    startAws(Duration.ofHours(12));
    namespace(client, "ecr-r1", Map.of("ecr", "restart"));
    credential("restart", "restart", List.of("123456789012"));
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertReady("restart", 1));
    String password = passwordIn("ecr-r1", "restart");
    assertThat(aws.calls(GET_TOKEN)).isEqualTo(1);

    operator.close();
    operator = startOperator();
    // A new namespace proves the new operator has reconciled; it gets the same token, unfetched.
    namespace(client, "ecr-r2", Map.of("ecr", "restart"));
    await().atMost(Duration.ofSeconds(30)).until(() -> secret("ecr-r2", "restart") != null);
    assertThat(passwordIn("ecr-r2", "restart")).isEqualTo(password);
    assertThat(aws.calls(GET_TOKEN)).isEqualTo(1);

    // A spec change (another account) needs a new token now, not at the next refresh.
    credential("restart", "restart", List.of("123456789012", "333333333333"));
    await().atMost(Duration.ofSeconds(20)).until(() -> aws.calls(GET_TOKEN) == 2);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                dockerConfig(secret("ecr-r1", "restart"))
                    .get("auths")
                    .has("333333333333.dkr.ecr.eu-west-1.amazonaws.com"));
    assertNoLeak();
  }

  /**
   * T1 across a restart: a tenant's copy claims a token issued now that lasts until 2100. The
   * restarted operator takes its token from its own namespace only: every namespace gets the real
   * token, the tenant's copy is put right, and nothing is fetched again.
   */
  @Test
  void aRestartedOperatorNeverTakesItsTokenFromATenantsCopy() throws Exception {
    startAws(Duration.ofHours(12));
    namespace(client, "ecr-t1-tenant", Map.of("ecr", "t1"));
    credential("t1", "t1", List.of("123456789012"));
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertReady("t1", 1));
    String password = passwordIn("ecr-t1-tenant", "t1");
    Instant expiry = statusExpiry("t1");

    operator.close();
    Secret copy = secret("ecr-t1-tenant", "t1");
    String forged =
        "{\"auths\":{\"123456789012.dkr.ecr.eu-west-1.amazonaws.com\":{\"auth\":\""
            + Fixtures.b64("AWS:tenant-chosen")
            + "\"}}}";
    client
        .resource(
            new SecretBuilder(copy)
                .editMetadata()
                .addToAnnotations("regcred.io/issued-at", Instant.now().toString())
                .addToAnnotations("regcred.io/expires-at", "2100-01-01T00:00:00Z")
                .endMetadata()
                .withData(Map.of(".dockerconfigjson", Fixtures.b64(forged)))
                .build())
        .update();
    operator = startOperator();
    namespace(client, "ecr-t1-other", Map.of("ecr", "t1"));

    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              assertThat(passwordIn("ecr-t1-other", "t1")).isEqualTo(password);
              assertThat(passwordIn("ecr-t1-tenant", "t1")).isEqualTo(password);
            });
    assertThat(aws.calls(GET_TOKEN)).isEqualTo(1);
    assertThat(statusExpiry("t1")).isEqualTo(expiry);
  }

  /**
   * T9: a provider that answers with an expiry in the past is an error with backoff, not a fetch
   * per second.
   */
  @Test
  void aTokenThatIsAlreadyExpiredIsAnErrorWithBackoff() throws Exception {
    startAws(Duration.ofSeconds(-30));
    namespace(client, "ecr-t9", Map.of("ecr", "t9"));
    credential("t9", "t9", List.of("123456789012"));
    await()
        .atMost(Duration.ofSeconds(20))
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              var c = condition(client, "t9", ConditionType.SourceAvailable);
              assertThat(c.getStatus()).isEqualTo("False");
              assertThat(c.getReason()).isEqualTo("ProviderError");
              assertThat(c.getMessage()).contains("expires at");
            });
    int first = aws.calls(GET_TOKEN);
    Thread.sleep(12_000);
    // 5 s, then 10 s: at most two more attempts in 12 s, where a fetch per second would be twelve.
    assertThat(aws.calls(GET_TOKEN) - first).isBetween(1, 2);
    assertThat(secret("ecr-t9", "t9")).isNull();
  }

  /**
   * R2: during an outage of the source, namespaces and ServiceAccounts that arrive are onboarded
   * with the last good token (it still has most of its life), and the events they cause do not
   * bring the source more calls than its backoff allows.
   */
  @Test
  void anOutageOnboardsNewNamespacesWithTheLastGoodTokenWithinTheBackoff() throws Exception {
    startAws(Duration.ofSeconds(60));
    namespace(client, "ecr-r2-a", Map.of("ecr", "r2"));
    // Refresh early (a tenth into the token's life), so the outage starts while it is fresh.
    client
        .resource(
            ecrCredential("r2", "r2", List.of("123456789012")).refreshBeforeExpiry("55s").build())
        .serverSideApply();
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertReady("r2", 1));
    String lastGood = passwordIn("ecr-r2-a", "r2");
    aws.failNextWithServerError(GET_TOKEN, 1000);
    await()
        .atMost(Duration.ofSeconds(20))
        .ignoreExceptions()
        .until(
            () ->
                "False".equals(condition(client, "r2", ConditionType.SourceAvailable).getStatus()));
    int before = aws.calls(GET_TOKEN);

    long start = System.nanoTime();
    for (int i = 0; i < 6; i++) {
      String ns = "ecr-r2-new-" + i;
      namespace(client, ns, Map.of("ecr", "r2"));
      Fixtures.serviceAccount(client, ns, "default");
      Fixtures.serviceAccount(client, ns, "builder");
    }
    await()
        .atMost(Duration.ofSeconds(20))
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              for (int i = 0; i < 6; i++) {
                assertThat(passwordIn("ecr-r2-new-" + i, "r2")).isEqualTo(lastGood);
                assertThat(
                        client
                            .serviceAccounts()
                            .inNamespace("ecr-r2-new-" + i)
                            .withName("default")
                            .get()
                            .getImagePullSecrets())
                    .extracting(r -> r.getName())
                    .contains("r2");
              }
            });
    double seconds = (System.nanoTime() - start) / 1e9;
    int calls = aws.calls(GET_TOKEN) - before;
    System.out.printf(
        "outage: 6 namespaces and 12 ServiceAccounts onboarded with the last good token in %.1f s;"
            + " %d calls to the failing source meanwhile%n",
        seconds, calls);
    // Backoff 5 s, 10 s, 20 s: a handful of calls, not one per event (18 objects arrived).
    assertThat(calls).isLessThanOrEqualTo(2 + (int) (seconds / 5));
  }

  /**
   * R10: while the API server refuses the credential's status, the token is still refreshed before
   * it expires, again and again: the refresh does not depend on the status write.
   */
  @Test
  void aRefusedStatusNeverStopsTheRefresh() throws Exception {
    startAws(Duration.ofSeconds(20));
    namespace(client, "ecr-r10", Map.of("ecr", "r10"));
    credential("r10", "r10", List.of("123456789012"));
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertReady("r10", 1));
    String refuse =
        """
        apiVersion: admissionregistration.k8s.io/v1
        kind: ValidatingAdmissionPolicy
        metadata: {name: refuse-r10-status}
        spec:
          failurePolicy: Fail
          matchConstraints:
            resourceRules:
            - apiGroups: ["regcred.io"]
              apiVersions: ["*"]
              operations: ["UPDATE"]
              resources: ["clusterregistrycredentials/status"]
              resourceNames: ["r10"]
          validations:
          - expression: "false"
            message: status refused by the test
        ---
        apiVersion: admissionregistration.k8s.io/v1
        kind: ValidatingAdmissionPolicyBinding
        metadata: {name: refuse-r10-status}
        spec:
          policyName: refuse-r10-status
          validationActions: [Deny]
        """;
    var policy =
        client.load(
            new java.io.ByteArrayInputStream(
                refuse.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    policy.serverSideApply();
    try {
      // Policies take a moment to be enforced: wait until a status write of ours is refused too.
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                try {
                  client
                      .resources(ClusterRegistryCredential.class)
                      .withName("r10")
                      .subresource("status")
                      .patch(
                          io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                              io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
                          "{\"status\":{\"sourceKind\":\"ecr\"}}");
                  return false;
                } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                  return e.getCode() == 422 || e.getCode() == 403;
                }
              });
      String rotationTime =
          client
              .resources(ClusterRegistryCredential.class)
              .withName("r10")
              .get()
              .getStatus()
              .getLastRotationTime();
      java.util.Set<String> passwords = new java.util.LinkedHashSet<>();
      passwords.add(passwordIn("ecr-r10", "r10"));
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(500))
          .until(
              () -> {
                passwords.add(passwordIn("ecr-r10", "r10"));
                return passwords.size() >= 4;
              });
      assertThat(aws.calls(GET_TOKEN)).isGreaterThanOrEqualTo(4);
      assertThat(
              client
                  .resources(ClusterRegistryCredential.class)
                  .withName("r10")
                  .get()
                  .getStatus()
                  .getLastRotationTime())
          .as("the status really was refused all along")
          .isEqualTo(rotationTime);
    } finally {
      policy.delete();
    }
  }

  // --- helpers

  private static Instant statusExpiry(String name) {
    return Instant.parse(
        client
            .resources(ClusterRegistryCredential.class)
            .withName(name)
            .get()
            .getStatus()
            .getExpiresAt());
  }

  private static void assertReady(String name, int synced) {
    var status = client.resources(ClusterRegistryCredential.class).withName(name).get().getStatus();
    assertThat(status).isNotNull();
    assertThat(condition(status, ConditionType.Ready).getStatus()).isEqualTo("True");
    assertThat(status.getNamespaces().synced()).isEqualTo(synced);
    assertThat(status.getSourceKind()).isEqualTo("ecr");
  }

  private static Secret secret(String ns, String name) {
    return client.secrets().inNamespace(ns).withName(name).get();
  }

  private static String passwordIn(String ns, String name) throws Exception {
    JsonNode auths = dockerConfig(secret(ns, name)).get("auths");
    return auths.elements().next().get("password").asText();
  }

  private static JsonNode dockerConfig(Secret secret) throws Exception {
    return new ObjectMapper().readTree(Fixtures.decode(secret.getData().get(".dockerconfigjson")));
  }

  private void assertNoLeak() {
    List<String> secrets = new java.util.ArrayList<>(aws.issuedPasswords());
    secrets.add(SECRET_KEY);
    String metrics = operator.main().metrics().scrape();
    for (String value : secrets) {
      assertThat(logs.lines()).noneMatch(l -> l.contains(value));
      assertThat(metrics).doesNotContain(value);
      assertThat(client.v1().events().inAnyNamespace().list().getItems())
          .noneMatch(e -> String.valueOf(e.getMessage()).contains(value));
      assertThat(client.resources(ClusterRegistryCredential.class).list().getItems())
          .noneMatch(
              c ->
                  io.fabric8.kubernetes.client.utils.Serialization.asJson(c.getStatus())
                      .contains(value));
    }
    assertThat(metrics).contains("regcred_token_expiry_seconds").contains("regcred_provider_calls");
  }
}
