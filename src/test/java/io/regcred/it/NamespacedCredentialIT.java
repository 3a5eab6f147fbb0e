package io.regcred.it;

import static io.regcred.it.Fixtures.basicAuthSecret;
import static io.regcred.it.Fixtures.namespace;
import static io.regcred.it.Fixtures.serviceAccount;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.regcred.Labels;
import io.regcred.api.v1alpha1.RegistryCredential;
import io.regcred.model.ConditionType;
import io.regcred.model.Reason;
import io.regcred.model.StatusFactory;
import io.regcred.model.TenantIdentity;
import io.regcred.provider.ServiceAccountTrust;
import io.regcred.provider.TestTls;
import io.regcred.provider.TokenProvider;
import io.regcred.provider.ecr.AwsEndpoints;
import io.regcred.provider.ecr.AwsIdentityEnv;
import io.regcred.provider.ecr.EcrTokenProvider;
import io.regcred.provider.ecr.FakeAws;
import io.regcred.provider.staticsecret.StaticSecretProvider;
import io.regcred.testing.NamespacedCredentials;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The namespaced RegistryCredential on a real API server: it reads its own namespace's Secret or
 * its own ServiceAccount's identity (a real TokenRequest, exchanged at a fake STS that trusts
 * exactly that ServiceAccount), writes only its own namespace, and can reach neither another
 * namespace nor the operator's own identity by any field.
 */
class NamespacedCredentialIT {

  static final String OPERATOR_NS = "regcred-tenancy";
  static final String REGION = "eu-west-1";
  static final String SERVER = "registry.example.test:5000";
  static final String TENANT_ROLE = "arn:aws:iam::123456789012:role/team-puller";
  static final String OPERATOR_ROLE = "arn:aws:iam::123456789012:role/regcred-operator";
  static final String OPERATOR_TOKEN = "operator-irsa-token-CANARY";

  static KubernetesClient client;
  static RunningOperator operator;
  static FakeAws aws;
  static LogCapture logs;

  static Path tokenFile;

  @BeforeAll
  static void startOperator() throws Exception {
    logs = new LogCapture();
    client = TestCluster.newAdminClient();
    namespace(client, OPERATOR_NS, Map.of());
    serviceAccount(client, OPERATOR_NS, "regcred-operator");
    aws = FakeAws.start(REGION);
    // The operator's own identity works at the fake: were it ever used, the fetch would succeed.
    aws.allowWebIdentity(OPERATOR_ROLE, OPERATOR_TOKEN);
    tokenFile = Files.createTempFile("operator-token", "");
    Files.writeString(tokenFile, OPERATOR_TOKEN);
    operator = startAnOperator();
  }

  static RunningOperator startAnOperator() {
    AwsIdentityEnv operatorIdentity =
        AwsIdentityEnv.of(
            Map.of(
                AwsIdentityEnv.ROLE_ARN,
                OPERATOR_ROLE,
                AwsIdentityEnv.WEB_IDENTITY_TOKEN_FILE,
                tokenFile.toString()));
    var endpoints =
        new AwsEndpoints(Optional.of(aws.uri()), Optional.of(aws.uri()), Optional.of(aws.uri()));
    return RunningOperator.start(
        TestCluster.newAdminClient(),
        OPERATOR_NS,
        secrets ->
            List.<TokenProvider>of(
                new StaticSecretProvider(secrets, Clock.systemUTC()),
                new EcrTokenProvider(
                    secrets,
                    Clock.systemUTC(),
                    endpoints,
                    TestTls.get().providerHttp(),
                    operatorIdentity)));
  }

  @AfterAll
  static void stopOperator() {
    operator.close();
    aws.close();
    client.close();
    logs.close();
  }

  @Test
  void aStaticCredentialWritesOnlyItsOwnNamespaceAndPatchesItsServiceAccount() {
    namespace(client, "own-a", Map.of());
    namespace(client, "own-b", Map.of());
    serviceAccount(client, "own-a", "default");
    serviceAccount(client, "own-b", "default");
    client.resource(basicAuthSecret("own-a", "creds", "robot", "pw-own-a")).create();
    client.resource(basicAuthSecret("own-b", "creds", "robot", "pw-own-b-CANARY")).create();

    create(staticCredential("own-a", "pull", "creds"));

    awaitServing("own-a", "pull");
    Secret written = client.secrets().inNamespace("own-a").withName("pull").get();
    assertThat(CredentialChecks.dockerConfig(written))
        .contains("pw-own-a")
        .doesNotContain("CANARY");
    assertThat(written.getMetadata().getLabels())
        .containsEntry(Labels.NAMESPACED_CREDENTIAL, "pull")
        .doesNotContainKey(Labels.CREDENTIAL);
    assertThat(written.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(o -> assertThat(o.getKind()).isEqualTo("RegistryCredential"));
    // Nothing written for it anywhere else; the other namespace's ServiceAccount is untouched.
    assertThat(
            client
                .secrets()
                .inAnyNamespace()
                .withLabel(Labels.NAMESPACED_CREDENTIAL, "pull")
                .list()
                .getItems())
        .extracting(s -> s.getMetadata().getNamespace())
        .containsExactly("own-a");
    assertThat(pullSecrets("own-b", "default")).isEmpty();
    // Its Events live where its namespace's users look.
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(CredentialChecks.events(client, "own-a", "pull"))
                    .anySatisfy(e -> assertThat(e).startsWith("AllNamespacesSynced")));

    // A tenant's own Secret wearing our labels for this credential is not ours to remove.
    var bait = basicAuthSecret("own-a", "bait", "robot", "their-own");
    bait.getMetadata()
        .setLabels(
            Map.of(
                Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE, Labels.NAMESPACED_CREDENTIAL, "pull"));
    client.resource(bait).create();

    // A new target name: the Secret under the old one goes, with its ServiceAccount entry.
    var renamed = registry("own-a").withName("pull").get();
    renamed.getSpec().getTarget().setSecretName("pull-renamed");
    registry("own-a").resource(renamed).update();
    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () -> {
              assertThat(pullSecrets("own-a", "default")).containsExactly("pull-renamed");
              assertThat(client.secrets().inNamespace("own-a").withName("pull").get()).isNull();
            });
    assertThat(client.secrets().inNamespace("own-a").withName("bait").get())
        .as("a labelled Secret without our owner reference")
        .isNotNull();

    delete("own-a", "pull");
    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () -> {
              assertThat(client.secrets().inNamespace("own-a").withName("pull-renamed").get())
                  .isNull();
              assertThat(pullSecrets("own-a", "default")).isEmpty();
            });
    assertThat(String.join("\n", logs.lines())).doesNotContain("pw-own-a");
  }

  @Test
  void aSecretOfAnotherNamespaceCannotBeNamedEvenWithAFieldTheSchemaDoesNotHave() {
    namespace(client, "other-a", Map.of());
    namespace(client, "other-b", Map.of());
    serviceAccount(client, "other-a", "default");
    client.resource(basicAuthSecret("other-b", "creds", "robot", "pw-other-b-CANARY")).create();

    // A crafted object naming the other namespace: the API server drops the unknown field.
    var crafted =
        Serialization.unmarshal(
            Serialization.asJson(staticCredential("other-a", "steal", "creds")),
            GenericKubernetesResource.class);
    @SuppressWarnings("unchecked")
    var secretRef =
        (Map<String, Object>)
            ((Map<String, Object>)
                    ((Map<String, Object>)
                            ((Map<String, Object>) crafted.getAdditionalProperties().get("spec"))
                                .get("source"))
                        .get("static"))
                .get("secretRef");
    secretRef.put("namespace", "other-b");
    client.resource(crafted).create();
    assertThat(Serialization.asJson(registry("other-a").withName("steal").get().getSpec()))
        .doesNotContain("other-b");

    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () ->
                assertThat(readyReason("other-a", "steal"))
                    .isEqualTo(Reason.SourceSecretNotFound.name()));
    assertThat(client.secrets().inNamespace("other-a").withName("steal").get()).isNull();
    assertThat(client.secrets().inNamespace("other-b").withName("steal").get()).isNull();
    assertThat(Serialization.asJson(registry("other-a").withName("steal").get().getStatus()))
        .doesNotContain("CANARY");
    delete("other-a", "steal");
  }

  @Test
  void theSchemaRefusesACloudSourceWithoutTheNamespacesOwnIdentity() {
    namespace(client, "noid", Map.of());
    var neither = ecrCredential("noid", "operators", null);
    var ecr = neither.getSpec().getSource().getEcr();
    ecr.setRoleArn(null);
    var refused =
        catchThrowableOfType(
            KubernetesClientException.class, () -> registry("noid").resource(neither).create());
    assertThat(refused.getCode()).isEqualTo(422);
    assertThat(refused.getMessage()).contains("exactly one of serviceAccountName");

    ecr.setServiceAccountName("puller"); // without the role to exchange its token for
    refused =
        catchThrowableOfType(
            KubernetesClientException.class, () -> registry("noid").resource(neither).create());
    assertThat(refused.getMessage()).contains("serviceAccountName needs roleArn");
    assertThat(aws.webIdentityCalls()).noneMatch(c -> c.roleArn().equals(OPERATOR_ROLE));
  }

  @Test
  void aServiceAccountsOwnIdentityBuysTheTokenAndTheOperatorsIsNeverUsed() throws Exception {
    trustedPuller("wi-a");

    create(ecrCredential("wi-a", "ecr", "puller"));

    awaitServing("wi-a", "ecr");
    Secret written = client.secrets().inNamespace("wi-a").withName("ecr").get();
    assertThat(CredentialChecks.dockerConfig(written)).contains(aws.lastIssuedPassword());
    assertThat(aws.webIdentityCalls())
        .isNotEmpty()
        .allSatisfy(
            call -> {
              assertThat(call.roleArn()).isEqualTo(TENANT_ROLE);
              assertThat(call.webIdentityToken()).isNotEqualTo(OPERATOR_TOKEN);
            });
    delete("wi-a", "ecr");
  }

  @Test
  void aRestartedOperatorReusesTheStoredTokenInsteadOfAskingTheCloudAgain() {
    trustedPuller("wi-r");
    create(ecrCredential("wi-r", "ecr", "puller"));
    await().atMost(Duration.ofSeconds(20)).until(() -> ready("wi-r", "ecr"));
    String version = secretVersion("wi-r", "ecr");
    int exchanges = aws.webIdentityCalls().size();

    operator.close();
    operator = startAnOperator();
    // The new operator has reconciled the credential once its state shows in its metrics.
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> operator.main().metrics().scrape().contains("credential=\"wi-r/ecr\""));

    assertThat(aws.webIdentityCalls())
        .as("no new token exchange after the restart")
        .hasSize(exchanges);
    assertThat(secretVersion("wi-r", "ecr")).as("the Secret is not rewritten").isEqualTo(version);

    delete("wi-r", "ecr");
    assertThat(client.secrets().inNamespace(OPERATOR_NS).list().getItems())
        .as("its token state goes with it")
        .noneMatch(s -> s.getMetadata().getName().startsWith("regcred-token-ns-"));
  }

  @Test
  void aServiceAccountOfTheSameNameElsewhereIsNotTrustedAndNothingIsWritten() {
    namespace(client, "wi-b", Map.of());
    serviceAccount(client, "wi-b", "puller");
    // The role trusts only wi-a's puller (or none yet): wi-b's is another subject.
    create(ecrCredential("wi-b", "ecr", "puller"));

    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () -> assertThat(readyReason("wi-b", "ecr")).isEqualTo(Reason.AccessDenied.name()));
    assertThat(client.secrets().inNamespace("wi-b").withName("ecr").get()).isNull();
    delete("wi-b", "ecr");
  }

  @Test
  void theOperatorsOwnNamespaceIsClosedSoItsServiceAccountCannotBeBorrowed() {
    int before = aws.webIdentityCalls().size();
    create(ecrCredential(OPERATOR_NS, "borrow", "regcred-operator"));

    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () ->
                assertThat(readyReason(OPERATOR_NS, "borrow"))
                    .isEqualTo(Reason.NamespaceDenied.name()));
    assertThat(aws.webIdentityCalls()).hasSize(before);
    assertThat(client.secrets().inNamespace(OPERATOR_NS).withName("borrow").get()).isNull();
    delete(OPERATOR_NS, "borrow");
  }

  @Test
  void aForeignSecretUnderTheTargetNameIsLeftAlone() {
    namespace(client, "foreign", Map.of());
    serviceAccount(client, "foreign", "default");
    client.resource(basicAuthSecret("foreign", "creds", "robot", "pw-foreign")).create();
    client.resource(basicAuthSecret("foreign", "theirs", "someone", "their-pw")).create();

    var credential = staticCredential("foreign", "mine", "creds");
    credential.getSpec().getTarget().setSecretName("theirs");
    create(credential);

    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () -> assertThat(syncedReason("foreign", "mine")).isEqualTo(Reason.Conflict.name()));
    Secret theirs = client.secrets().inNamespace("foreign").withName("theirs").get();
    assertThat(theirs.getType()).isEqualTo("kubernetes.io/basic-auth");
    assertThat(pullSecrets("foreign", "default")).isEmpty();
    delete("foreign", "mine");
    assertThat(client.secrets().inNamespace("foreign").withName("theirs").get()).isNotNull();
  }

  @Test
  void changesToAServiceAccountThatDoNotConcernTheCredentialDoNotWakeIt() throws Exception {
    namespace(client, "flap", Map.of());
    serviceAccount(client, "flap", "default");
    client.resource(basicAuthSecret("flap", "creds", "robot", "pw-flap")).create();
    create(staticCredential("flap", "pull", "creds"));
    await().atMost(Duration.ofSeconds(15)).until(() -> ready("flap", "pull"));
    await().pollDelay(Duration.ofSeconds(1)).until(() -> true); // settled
    double before = sourceReads("flap/pull");

    // An annotation changes nothing a credential reads: no reconcile, no read of its source.
    for (int i = 0; i < 20; i++) {
      int n = i;
      client
          .serviceAccounts()
          .inNamespace("flap")
          .withName("default")
          .edit(
              sa -> {
                sa.getMetadata().setAnnotations(Map.of("flap", String.valueOf(n)));
                return sa;
              });
      Thread.sleep(100);
    }
    // A label does matter (a selector could pick it): that one is looked at.
    client
        .serviceAccounts()
        .inNamespace("flap")
        .withName("default")
        .edit(
            sa -> {
              sa.getMetadata().setLabels(Map.of("marker", "1"));
              return sa;
            });
    await().atMost(Duration.ofSeconds(10)).until(() -> sourceReads("flap/pull") > before);
    await().pollDelay(Duration.ofSeconds(1)).until(() -> true);
    assertThat(sourceReads("flap/pull") - before)
        .as("reads of the source Secret")
        .isLessThanOrEqualTo(2);
    delete("flap", "pull");
  }

  /** How often the operator has read (fetched) the credential's source. */
  private static double sourceReads(String key) {
    return operator
        .main()
        .metrics()
        .scrape()
        .lines()
        .filter(l -> l.startsWith("regcred_provider_calls_total{"))
        .filter(l -> l.contains("credential=\"" + key + "\""))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  @Test
  void aTenantsRegistryOnALoopbackAddressIsNeverContactedAndVerifiedSaysWhy() throws Exception {
    namespace(client, "loop-a", Map.of());
    serviceAccount(client, "loop-a", "default");
    client.resource(basicAuthSecret("loop-a", "creds", "robot", "pw-loop-a")).create();
    // A listener in the operator's own network position: it counts who connects.
    try (ServerSocket inside = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      AtomicInteger connections = new AtomicInteger();
      Thread counter =
          new Thread(
              () -> {
                while (!inside.isClosed()) {
                  try (Socket accepted = inside.accept()) {
                    connections.incrementAndGet();
                  } catch (IOException closed) {
                    return;
                  }
                }
              });
      counter.setDaemon(true);
      counter.start();
      String server = "127.0.0.1:" + inside.getLocalPort();
      var credential = staticCredential("loop-a", "pull", "creds");
      credential.getSpec().getSource().getStaticSource().setServer(server);

      create(credential);

      await("Verified says the registry is not public")
          .atMost(Duration.ofSeconds(15))
          .untilAsserted(
              () -> {
                var verified =
                    condition("loop-a", "pull", ConditionType.Verified)
                        .orElseThrow(() -> new AssertionError("no Verified condition yet"));
                assertThat(verified.getStatus()).isEqualTo("Unknown");
                assertThat(verified.getReason()).isEqualTo(Reason.Skipped.name());
                assertThat(verified.getMessage())
                    .isEqualTo(
                        server
                            + ": not verified: 127.0.0.1 is not a public address; namespaced"
                            + " credentials verify only public registries"
                            + " (REGCRED_TENANT_VERIFY_ALLOWED)");
              });
      assertThat(ready("loop-a", "pull")).as("the Secret is written all the same").isTrue();
      assertThat(connections).hasValue(0);
    } finally {
      delete("loop-a", "pull");
    }
  }

  // --- helpers

  private static String secretVersion(String ns, String name) {
    return client.secrets().inNamespace(ns).withName(name).get().getMetadata().getResourceVersion();
  }

  /** A namespace whose ServiceAccount puller the tenant role trusts, and its default one. */
  private static void trustedPuller(String ns) {
    namespace(client, ns, Map.of());
    serviceAccount(client, ns, "puller");
    serviceAccount(client, ns, "default");
    var jwks = ServiceAccountTrust.jwks(client.raw("/openid/v1/jwks"));
    aws.trustServiceAccount(
        TENANT_ROLE, ServiceAccountTrust.of(jwks, ns, "puller", TenantIdentity.Aws.AUDIENCE));
  }

  /** Until the credential is Ready and its Secret is on the namespace's default account. */
  private static void awaitServing(String ns, String name) {
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              assertThat(ready(ns, name)).isTrue();
              assertThat(pullSecrets(ns, "default")).containsExactly(name);
            });
  }

  private static RegistryCredential staticCredential(String ns, String name, String secret) {
    return NamespacedCredentials.named(ns, name)
        .staticSource(secret, SERVER)
        .serviceAccounts("default")
        .build();
  }

  private static RegistryCredential ecrCredential(String ns, String name, String sa) {
    return NamespacedCredentials.named(ns, name)
        .ecr(REGION, sa, TENANT_ROLE)
        .serviceAccounts("default")
        .build();
  }

  private static void create(RegistryCredential credential) {
    registry(credential.getMetadata().getNamespace()).resource(credential).create();
  }

  private static void delete(String ns, String name) {
    registry(ns).withName(name).delete();
    await().atMost(Duration.ofSeconds(30)).until(() -> registry(ns).withName(name).get() == null);
  }

  private static io.fabric8.kubernetes.client.dsl.NonNamespaceOperation<
          RegistryCredential,
          io.fabric8.kubernetes.api.model.KubernetesResourceList<RegistryCredential>,
          io.fabric8.kubernetes.client.dsl.Resource<RegistryCredential>>
      registry(String ns) {
    return client.resources(RegistryCredential.class).inNamespace(ns);
  }

  private static boolean ready(String ns, String name) {
    return "True"
        .equals(condition(ns, name, ConditionType.Ready).map(c -> c.getStatus()).orElse(""));
  }

  private static String readyReason(String ns, String name) {
    return condition(ns, name, ConditionType.Ready).map(c -> c.getReason()).orElse("");
  }

  private static String syncedReason(String ns, String name) {
    return condition(ns, name, ConditionType.Synced).map(c -> c.getReason()).orElse("");
  }

  private static Optional<io.fabric8.kubernetes.api.model.Condition> condition(
      String ns, String name, ConditionType type) {
    var c = registry(ns).withName(name).get();
    return c == null || c.getStatus() == null
        ? Optional.empty()
        : StatusFactory.find(c.getStatus(), type);
  }

  private static List<String> pullSecrets(String ns, String sa) {
    var account = client.serviceAccounts().inNamespace(ns).withName(sa).get();
    return account.getImagePullSecrets() == null
        ? List.of()
        : account.getImagePullSecrets().stream().map(LocalObjectReference::getName).toList();
  }
}
