package io.regcred.it;

import static io.regcred.it.CredentialChecks.condition;
import static io.regcred.it.Fixtures.b64;
import static io.regcred.it.Fixtures.basicAuthSecret;
import static io.regcred.it.Fixtures.decode;
import static io.regcred.it.Fixtures.namespace;
import static io.regcred.it.Fixtures.serviceAccount;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import io.regcred.api.v1alpha1.DeletionPolicy;
import io.regcred.model.ConditionType;
import io.regcred.testing.Credentials;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The static source end to end on a real API server, one test per behaviour: fan-out,
 * ServiceAccount patching, onboarding, pruning, rotation, idle reconciles, cleanup, conflicts and
 * failures. Each test has its own namespaces and credential; one operator serves the class.
 */
class StaticSourceIT {

  static final String OPERATOR_NS = "regcred-static";
  static final String SERVER = "registry.example.test:5000";
  static KubernetesClient client;
  static RunningOperator operator;
  static LogCapture logs;

  @BeforeAll
  static void startOperator() {
    logs = new LogCapture();
    client = TestCluster.newAdminClient();
    namespace(client, OPERATOR_NS, Map.of());
    operator = RunningOperator.start(TestCluster.newAdminClient(), OPERATOR_NS);
  }

  @AfterAll
  static void stopOperator() {
    operator.close();
    client.close();
    logs.close();
  }

  /** Credentials this test created; deleted after it whatever its outcome. */
  private final List<String> created = new ArrayList<>();

  @AfterEach
  void deleteCredentials() {
    created.forEach(name -> CredentialChecks.deleteAndWait(client, name));
  }

  @Test
  void fansOutToNamedAndSelectedNamespacesButNotExcludedOnes() throws Exception {
    String marker = "pw-CANARY-" + System.nanoTime();
    fanOut("fan", marker);

    assertThat(secret("fan-c", "fan")).as("excluded").isNull();
    assertThat(secret("fan-d", "fan")).as("neither named nor selected").isNull();
    for (String ns : List.of("fan-a", "fan-b")) {
      Secret written = secret(ns, "fan");
      assertThat(written.getType()).isEqualTo("kubernetes.io/dockerconfigjson");
      JsonNode auth = dockerConfig(written).get("auths").get(SERVER);
      assertThat(auth.get("username").asText()).isEqualTo("robot");
      assertThat(auth.get("password").asText()).isEqualTo(marker);
      assertThat(auth.get("auth").asText()).isEqualTo(b64("robot:" + marker));
    }
    assertNoLeak(marker);
  }

  @Test
  void patchesTheNamedServiceAccountsAndKeepsOtherEntries() {
    fanOut("sa", "sa-pw");

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              assertThat(pullSecrets("sa-a", "default")).containsExactly("sa");
              assertThat(pullSecrets("sa-a", "builder")).containsExactly("theirs", "sa");
              assertThat(pullSecrets("sa-b", "default")).containsExactly("sa");
            });
    assertThat(pullSecrets("sa-c", "default")).as("excluded").isEmpty();
    assertThat(pullSecrets("sa-d", "default")).as("not targeted").isEmpty();
  }

  @Test
  void onboardsANewMatchingNamespaceAndAServiceAccountCreatedLater() {
    fanOut("onb", "onb-pw");

    long start = System.nanoTime();
    namespace(client, "onb-e", Map.of("pull", "onb"));
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> secret("onb-e", "onb") != null);
    System.out.printf(
        "onboarding: Secret in new namespace after %d ms%n",
        (System.nanoTime() - start) / 1_000_000);
    serviceAccount(client, "onb-e", "default");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> pullSecrets("onb-e", "default").contains("onb"));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertReady("onb", 3, 3));
  }

  @Test
  void aNamespaceThatLeavesTheSelectorLosesTheSecretAndOurEntry() {
    fanOut("prn", "prn-pw");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> pullSecrets("prn-b", "default").contains("prn"));

    namespace(client, "prn-b", Map.of());
    await().atMost(Duration.ofSeconds(10)).until(() -> secret("prn-b", "prn") == null);
    await().atMost(Duration.ofSeconds(10)).until(() -> pullSecrets("prn-b", "default").isEmpty());
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertReady("prn", 1, 1));
    assertThat(secret("prn-a", "prn")).as("still named").isNotNull();
  }

  @Test
  void aNewSourcePasswordUpdatesEverySecretInPlaceAndNoServiceAccount() throws Exception {
    String marker = "pw-CANARY-" + System.nanoTime();
    fanOut("rot", marker);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> pullSecrets("rot-a", "default").contains("rot"));
    String uid = secret("rot-a", "rot").getMetadata().getUid();
    String saVersion = serviceAccountVersion("rot-a");

    String marker2 = "pw2-CANARY-" + System.nanoTime();
    client.resource(basicAuthSecret(OPERATOR_NS, "rot-src", "robot", marker2)).update();
    for (String ns : List.of("rot-a", "rot-b")) {
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  dockerConfig(secret(ns, "rot"))
                      .get("auths")
                      .get(SERVER)
                      .get("password")
                      .asText()
                      .equals(marker2));
    }
    assertThat(secret("rot-a", "rot").getMetadata().getUid()).isEqualTo(uid);
    assertThat(serviceAccountVersion("rot-a")).isEqualTo(saVersion);
    assertNoLeak(marker);
    assertNoLeak(marker2);
  }

  @Test
  void aReconcileWithNothingToChangeWritesNothing() throws Exception {
    fanOut("idle", "idle-pw");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                pullSecrets("idle-a", "default").contains("idle")
                    && pullSecrets("idle-b", "default").contains("idle"));
    Thread.sleep(1000);
    Map<String, String> versions = versions("idle", List.of("idle-a", "idle-b"));

    // A targeted namespace changes in a way that matters to no written object: a reconcile runs.
    namespace(client, "idle-a", Map.of("unrelated", "change"));
    Thread.sleep(3000);
    assertThat(versions("idle", List.of("idle-a", "idle-b"))).isEqualTo(versions);
  }

  @Test
  void deletionRemovesOurSecretsAndEntriesAndKeepsTheirs() {
    fanOut("bye", "bye-pw");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> pullSecrets("bye-a", "builder").contains("bye"));

    CredentialChecks.deleteAndWait(client, "bye");
    for (String ns : List.of("bye-a", "bye-b")) {
      assertThat(secret(ns, "bye")).as("secret in %s", ns).isNull();
      assertThat(pullSecrets(ns, "default")).as("default SA in %s", ns).isEmpty();
    }
    assertThat(pullSecrets("bye-a", "builder")).containsExactly("theirs");
  }

  @Test
  void foreignSecretIsAConflictAndIsNeverTouched() {
    client.resource(basicAuthSecret(OPERATOR_NS, "conf-src", "robot", "conflict-pw")).create();
    namespace(client, "conf-a", Map.of());
    namespace(client, "conf-b", Map.of());
    Secret foreign =
        client
            .resource(
                new SecretBuilder()
                    .withNewMetadata()
                    .withName("conf")
                    .withNamespace("conf-b")
                    .endMetadata()
                    .withStringData(Map.of("hand", "made"))
                    .build())
            .create();
    create(
        Credentials.named("conf").staticSource("conf-src", SERVER).namespaces("conf-a", "conf-b"));

    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              var status =
                  client
                      .resources(ClusterRegistryCredential.class)
                      .withName("conf")
                      .get()
                      .getStatus();
              assertThat(status).isNotNull();
              assertThat(status.getNamespaces().synced()).isEqualTo(1);
              assertThat(status.getFailures())
                  .singleElement()
                  .satisfies(
                      f -> {
                        assertThat(f.namespace()).isEqualTo("conf-b");
                        assertThat(f.reason()).isEqualTo("Conflict");
                      });
              assertThat(condition(status, ConditionType.Synced).getReason()).isEqualTo("Conflict");
            });
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> events("conf").stream().anyMatch(e -> e.getReason().equals("Conflict")));
    Secret after = secret("conf-b", "conf");
    assertThat(after.getMetadata().getResourceVersion())
        .isEqualTo(foreign.getMetadata().getResourceVersion());
    assertThat(after.getMetadata().getLabels()).isNullOrEmpty();

    CredentialChecks.deleteAndWait(client, "conf");
    assertThat(secret("conf-b", "conf")).isNotNull();
    assertThat(secret("conf-a", "conf")).isNull();
  }

  @Test
  void missingSourceKeepsLastGoodSecretsAndSaysWhy() {
    client.resource(basicAuthSecret(OPERATOR_NS, "miss-src", "robot", "miss-pw")).create();
    namespace(client, "miss-a", Map.of());
    create(Credentials.named("miss").staticSource("miss-src", SERVER).namespaces("miss-a"));
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertReady("miss", 1, 1));
    Secret good = secret("miss-a", "miss");

    client.secrets().inNamespace(OPERATOR_NS).withName("miss-src").delete();
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              var status =
                  client
                      .resources(ClusterRegistryCredential.class)
                      .withName("miss")
                      .get()
                      .getStatus();
              assertThat(condition(status, ConditionType.SourceAvailable).getStatus())
                  .isEqualTo("False");
              assertThat(condition(status, ConditionType.SourceAvailable).getReason())
                  .isEqualTo("SourceSecretNotFound");
              assertThat(condition(status, ConditionType.Ready).getStatus()).isEqualTo("False");
            });
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                events("miss").stream()
                    .anyMatch(
                        e ->
                            e.getType().equals("Warning")
                                && e.getReason().equals("SourceSecretNotFound")));
    assertThat(secret("miss-a", "miss").getMetadata().getResourceVersion())
        .isEqualTo(good.getMetadata().getResourceVersion());

    // A malformed source is reported the same way, with its own reason.
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("miss-src")
                .withNamespace(OPERATOR_NS)
                .endMetadata()
                .withType("kubernetes.io/dockerconfigjson")
                .withData(
                    Map.of(
                        ".dockerconfigjson",
                        b64("{\"auths\":{\"x\":{\"password\":\"MALFORMED-CANARY\"}}}")))
                .build())
        .create();
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(condition(client, "miss", ConditionType.SourceAvailable).getReason())
                    .isEqualTo("SourceSecretInvalid"));
    assertThat(secret("miss-a", "miss").getMetadata().getResourceVersion())
        .isEqualTo(good.getMetadata().getResourceVersion());
    assertNoLeak("MALFORMED-CANARY");

    client.secrets().inNamespace(OPERATOR_NS).withName("miss-src").delete();
    client.resource(basicAuthSecret(OPERATOR_NS, "miss-src", "robot", "miss-pw")).create();
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertReady("miss", 1, 1));
  }

  @Test
  void retainLeavesSecretsAndTerminatingNamespaceDoesNotWedgeCleanup() {
    client.resource(basicAuthSecret(OPERATOR_NS, "keep-src", "robot", "keep-pw")).create();
    namespace(client, "keep-a", Map.of());
    namespace(client, "keep-gone", Map.of());
    create(
        Credentials.named("keep")
            .staticSource("keep-src", SERVER)
            .namespaces("keep-a", "keep-gone")
            .deletionPolicy(DeletionPolicy.Retain));
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertReady("keep", 2, 2));
    assertThat(secret("keep-a", "keep").getMetadata().getOwnerReferences()).isEmpty();

    // Without a namespace controller a deleted namespace stays Terminating: the worst case.
    client.namespaces().withName("keep-gone").delete();
    CredentialChecks.deleteAndWait(client, "keep");
    assertThat(secret("keep-a", "keep")).isNotNull();

    // The same in Delete mode: the finalizer completes although one namespace is terminating.
    client.resource(basicAuthSecret(OPERATOR_NS, "del-src", "robot", "del-pw")).create();
    namespace(client, "del-a", Map.of());
    namespace(client, "del-gone", Map.of());
    serviceAccount(client, "del-gone", "default");
    create(
        Credentials.named("del").staticSource("del-src", SERVER).namespaces("del-a", "del-gone"));
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertReady("del", 2, 2));
    assertThat(secret("del-a", "del").getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(o -> assertThat(o.getName()).isEqualTo("del"));
    client.namespaces().withName("del-gone").delete();
    CredentialChecks.deleteAndWait(client, "del");
    assertThat(secret("del-a", "del")).isNull();
  }

  @Test
  void concurrentServiceAccountWriterLosesNothing() throws Exception {
    client.resource(basicAuthSecret(OPERATOR_NS, "race-src", "robot", "race-pw")).create();
    List<String> namespaces = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      String ns = "race-" + i;
      namespaces.add(ns);
      namespace(client, ns, Map.of("race", "yes"));
      serviceAccount(client, ns, "default");
    }
    // Another controller appends its own entries with the same read-modify-write discipline.
    AtomicBoolean stop = new AtomicBoolean();
    List<Throwable> writerErrors = new ArrayList<>();
    Thread writer =
        new Thread(
            () -> {
              try (KubernetesClient other = TestCluster.newAdminClient()) {
                for (int round = 0; round < 5 && !stop.get(); round++) {
                  for (String ns : namespaces) {
                    appendEntry(other, ns, "other-" + round);
                  }
                }
              } catch (Throwable t) {
                writerErrors.add(t);
              }
            });
    writer.start();
    create(
        Credentials.named("race").staticSource("race-src", SERVER).selector(Map.of("race", "yes")));
    writer.join(60_000);
    stop.set(true);
    assertThat(writerErrors).isEmpty();
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertReady("race", 12, 12));
    for (String ns : namespaces) {
      assertThat(pullSecrets(ns, "default"))
          .as("default SA in %s", ns)
          .containsExactlyInAnyOrder("race", "other-0", "other-1", "other-2", "other-3", "other-4");
    }
    CredentialChecks.deleteAndWait(client, "race");
    for (String ns : namespaces) {
      assertThat(pullSecrets(ns, "default"))
          .containsExactlyInAnyOrder("other-0", "other-1", "other-2", "other-3", "other-4");
    }
  }

  private static void appendEntry(KubernetesClient c, String ns, String name) {
    while (true) {
      ServiceAccount sa = c.serviceAccounts().inNamespace(ns).withName("default").get();
      List<LocalObjectReference> list =
          sa.getImagePullSecrets() == null
              ? new ArrayList<>()
              : new ArrayList<>(sa.getImagePullSecrets());
      list.add(new LocalObjectReference(name));
      sa.setImagePullSecrets(list);
      try {
        c.resource(sa).update();
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
      }
    }
  }

  // --- helpers

  /**
   * The layout most tests start from, named after the test's prefix {@code p}: {@code p-a} named,
   * {@code p-b} selected by label, {@code p-c} selected but excluded, {@code p-d} neither, each
   * with a default ServiceAccount, and in {@code p-a} a {@code builder} ServiceAccount that already
   * lists someone else's Secret. Credential {@code p} targets them, patches default and builder,
   * and reads robot/{@code password} from {@code p-src}; returns once it is Ready.
   */
  private void fanOut(String p, String password) {
    client.resource(basicAuthSecret(OPERATOR_NS, p + "-src", "robot", password)).create();
    for (String suffix : List.of("a", "b", "c", "d")) {
      String ns = p + "-" + suffix;
      boolean labelled = suffix.equals("b") || suffix.equals("c");
      namespace(client, ns, labelled ? Map.of("pull", p) : Map.of());
      serviceAccount(client, ns, "default");
    }
    // Someone else's entry on a ServiceAccount we patch: it must survive everything we do.
    client
        .resource(
            new ServiceAccountBuilder()
                .withNewMetadata()
                .withName("builder")
                .withNamespace(p + "-a")
                .endMetadata()
                .withImagePullSecrets(new LocalObjectReference("theirs"))
                .build())
        .create();
    create(
        Credentials.named(p)
            .staticSource(p + "-src", SERVER)
            .namespaces(p + "-a")
            .selector(Map.of("pull", p))
            .exclude(p + "-c")
            .serviceAccounts("default", "builder"));
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertReady(p, 2, 2));
  }

  /** Creates the credential and has it deleted after the test. */
  private void create(Credentials credential) {
    var built = credential.build();
    created.add(built.getMetadata().getName());
    client.resource(built).create();
  }

  private void assertReady(String name, int targeted, int synced) {
    var status = client.resources(ClusterRegistryCredential.class).withName(name).get().getStatus();
    assertThat(status).as("status of %s", name).isNotNull();
    assertThat(condition(status, ConditionType.Ready).getStatus()).isEqualTo("True");
    assertThat(status.getNamespaces().targeted()).isEqualTo(targeted);
    assertThat(status.getNamespaces().synced()).isEqualTo(synced);
    assertThat(status.getNamespaces().summary()).isEqualTo(synced + "/" + targeted);
    assertThat(status.getSourceKind()).isEqualTo("static");
  }

  private Secret secret(String ns, String name) {
    return client.secrets().inNamespace(ns).withName(name).get();
  }

  private List<String> pullSecrets(String ns, String sa) {
    var account = client.serviceAccounts().inNamespace(ns).withName(sa).get();
    if (account == null || account.getImagePullSecrets() == null) {
      return List.of();
    }
    return account.getImagePullSecrets().stream().map(LocalObjectReference::getName).toList();
  }

  private static JsonNode dockerConfig(Secret secret) throws Exception {
    return new ObjectMapper().readTree(decode(secret.getData().get(".dockerconfigjson")));
  }

  private List<io.fabric8.kubernetes.api.model.Event> events(String credential) {
    return client.v1().events().inNamespace("default").list().getItems().stream()
        .filter(e -> credential.equals(e.getInvolvedObject().getName()))
        .toList();
  }

  private String serviceAccountVersion(String ns) {
    return client
        .serviceAccounts()
        .inNamespace(ns)
        .withName("default")
        .get()
        .getMetadata()
        .getResourceVersion();
  }

  /** Resource versions of the credential's Secrets, its ServiceAccounts and itself. */
  private Map<String, String> versions(String credential, List<String> namespaces) {
    Map<String, String> v = new java.util.TreeMap<>();
    client
        .secrets()
        .inAnyNamespace()
        .withLabel("regcred.io/credential", credential)
        .list()
        .getItems()
        .forEach(
            s ->
                v.put(
                    "secret/" + s.getMetadata().getNamespace(),
                    s.getMetadata().getResourceVersion()));
    for (String ns : namespaces) {
      v.put("sa/" + ns, serviceAccountVersion(ns));
    }
    v.put(
        "credential",
        client
            .resources(ClusterRegistryCredential.class)
            .withName(credential)
            .get()
            .getMetadata()
            .getResourceVersion());
    return v;
  }

  /** The canary: a credential value never shows in logs, Events or status. */
  private void assertNoLeak(String marker) {
    assertThat(logs.lines()).noneMatch(l -> l.contains(marker));
    assertThat(client.v1().events().inAnyNamespace().list().getItems())
        .noneMatch(
            e ->
                String.valueOf(e.getMessage()).contains(marker)
                    || String.valueOf(e.getReason()).contains(marker));
    assertThat(client.resources(ClusterRegistryCredential.class).list().getItems())
        .noneMatch(
            c ->
                io.fabric8.kubernetes.client.utils.Serialization.asJson(c.getStatus())
                    .contains(marker));
  }
}
