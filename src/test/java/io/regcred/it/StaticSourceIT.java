package io.regcred.it;

import static io.regcred.it.CredentialChecks.condition;
import static io.regcred.it.Fixtures.b64;
import static io.regcred.it.Fixtures.basicAuthSecret;
import static io.regcred.it.Fixtures.decode;
import static io.regcred.it.Fixtures.namespace;
import static io.regcred.it.Fixtures.serviceAccount;
import static io.regcred.it.Fixtures.staticCredential;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.regcred.api.v1alpha1.DeletionPolicy;
import io.regcred.api.v1alpha1.RegistryCredential;
import io.regcred.api.v1alpha1.Selector;
import io.regcred.model.ConditionType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The static source end to end on a real API server: fan-out, onboarding, pruning, cleanup. */
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

  @Test
  void fansOutOnboardsPrunesRotatesAndCleansUp() throws Exception {
    String marker = "pw-CANARY-" + System.nanoTime();
    client.resource(basicAuthSecret(OPERATOR_NS, "fan-src", "robot", marker)).create();
    for (String ns : List.of("fan-a", "fan-b", "fan-c", "fan-d")) {
      namespace(
          client, ns, ns.equals("fan-a") || ns.equals("fan-d") ? Map.of() : Map.of("pull", "fan"));
      serviceAccount(client, ns, "default");
    }
    // Someone else's entry on a ServiceAccount we patch: it must survive everything we do.
    client
        .resource(
            new io.fabric8.kubernetes.api.model.ServiceAccountBuilder()
                .withNewMetadata()
                .withName("builder")
                .withNamespace("fan-a")
                .endMetadata()
                .withImagePullSecrets(new LocalObjectReference("theirs"))
                .build())
        .create();

    var credential =
        staticCredential(
            "fan",
            "fan-src",
            SERVER,
            List.of("fan-a"),
            new Selector(Map.of("pull", "fan"), null),
            List.of("fan-c"));
    credential
        .getSpec()
        .getTarget()
        .setServiceAccounts(new io.regcred.api.v1alpha1.ServiceAccountTarget());
    credential.getSpec().getTarget().getServiceAccounts().setNames(List.of("default", "builder"));
    client.resource(credential).create();

    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertReady("fan", 2, 2));
    assertThat(secret("fan-c", "fan")).isNull();
    assertThat(secret("fan-d", "fan")).isNull();
    Secret written = secret("fan-a", "fan");
    assertThat(written.getType()).isEqualTo("kubernetes.io/dockerconfigjson");
    JsonNode auth = dockerConfig(written).get("auths").get(SERVER);
    assertThat(auth.get("username").asText()).isEqualTo("robot");
    assertThat(auth.get("password").asText()).isEqualTo(marker);
    assertThat(auth.get("auth").asText()).isEqualTo(b64("robot:" + marker));
    assertThat(pullSecrets("fan-a", "default")).containsExactly("fan");
    assertThat(pullSecrets("fan-a", "builder")).containsExactly("theirs", "fan");
    assertThat(pullSecrets("fan-b", "default")).containsExactly("fan");
    assertThat(pullSecrets("fan-c", "default")).isEmpty();

    // Onboarding: a new matching namespace gets the Secret, and an SA created later is patched.
    long start = System.nanoTime();
    namespace(client, "fan-e", Map.of("pull", "fan"));
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> secret("fan-e", "fan") != null);
    System.out.printf(
        "onboarding: Secret in new namespace after %d ms%n",
        (System.nanoTime() - start) / 1_000_000);
    serviceAccount(client, "fan-e", "default");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> pullSecrets("fan-e", "default").contains("fan"));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertReady("fan", 3, 3));

    // Pruning: a namespace that stops matching loses the Secret and our SA entry.
    namespace(client, "fan-b", Map.of());
    await().atMost(Duration.ofSeconds(10)).until(() -> secret("fan-b", "fan") == null);
    await().atMost(Duration.ofSeconds(10)).until(() -> pullSecrets("fan-b", "default").isEmpty());

    // Change propagation: a new password updates each Secret in place; SAs are not written again.
    String uid = secret("fan-a", "fan").getMetadata().getUid();
    String saVersion =
        client
            .serviceAccounts()
            .inNamespace("fan-a")
            .withName("default")
            .get()
            .getMetadata()
            .getResourceVersion();
    String marker2 = "pw2-CANARY-" + System.nanoTime();
    client.resource(basicAuthSecret(OPERATOR_NS, "fan-src", "robot", marker2)).update();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                dockerConfig(secret("fan-a", "fan"))
                    .get("auths")
                    .get(SERVER)
                    .get("password")
                    .asText()
                    .equals(marker2));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                dockerConfig(secret("fan-e", "fan"))
                    .get("auths")
                    .get(SERVER)
                    .get("password")
                    .asText()
                    .equals(marker2));
    assertThat(secret("fan-a", "fan").getMetadata().getUid()).isEqualTo(uid);
    assertThat(
            client
                .serviceAccounts()
                .inNamespace("fan-a")
                .withName("default")
                .get()
                .getMetadata()
                .getResourceVersion())
        .isEqualTo(saVersion);

    // No wasted writes: a resync with nothing to change writes nothing.
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertReady("fan", 2, 2));
    Thread.sleep(1000);
    Map<String, String> versions = versions();
    namespace(client, "fan-d", Map.of("unrelated", "change")); // triggers a reconcile
    Thread.sleep(3000);
    assertThat(versions()).isEqualTo(versions);

    // Cleanup: our Secrets and entries go, theirs stay, the credential is gone.
    client.resource(credential).delete();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> client.resources(RegistryCredential.class).withName("fan").get() == null);
    for (String ns : List.of("fan-a", "fan-b", "fan-e")) {
      assertThat(secret(ns, "fan")).as("secret in %s", ns).isNull();
      assertThat(pullSecrets(ns, "default")).as("default SA in %s", ns).isEmpty();
    }
    assertThat(pullSecrets("fan-a", "builder")).containsExactly("theirs");

    assertNoLeak(marker);
    assertNoLeak(marker2);
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
    client
        .resource(
            staticCredential("conf", "conf-src", SERVER, List.of("conf-a", "conf-b"), null, null))
        .create();

    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              var status =
                  client.resources(RegistryCredential.class).withName("conf").get().getStatus();
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

    client.resources(RegistryCredential.class).withName("conf").delete();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> client.resources(RegistryCredential.class).withName("conf").get() == null);
    assertThat(secret("conf-b", "conf")).isNotNull();
    assertThat(secret("conf-a", "conf")).isNull();
  }

  @Test
  void missingSourceKeepsLastGoodSecretsAndSaysWhy() {
    client.resource(basicAuthSecret(OPERATOR_NS, "miss-src", "robot", "miss-pw")).create();
    namespace(client, "miss-a", Map.of());
    client
        .resource(staticCredential("miss", "miss-src", SERVER, List.of("miss-a"), null, null))
        .create();
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertReady("miss", 1, 1));
    Secret good = secret("miss-a", "miss");

    client.secrets().inNamespace(OPERATOR_NS).withName("miss-src").delete();
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              var status =
                  client.resources(RegistryCredential.class).withName("miss").get().getStatus();
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
    client.resources(RegistryCredential.class).withName("miss").delete();
  }

  @Test
  void retainLeavesSecretsAndTerminatingNamespaceDoesNotWedgeCleanup() {
    client.resource(basicAuthSecret(OPERATOR_NS, "keep-src", "robot", "keep-pw")).create();
    namespace(client, "keep-a", Map.of());
    namespace(client, "keep-gone", Map.of());
    var credential =
        staticCredential("keep", "keep-src", SERVER, List.of("keep-a", "keep-gone"), null, null);
    credential.getSpec().setDeletionPolicy(DeletionPolicy.Retain);
    client.resource(credential).create();
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertReady("keep", 2, 2));
    assertThat(secret("keep-a", "keep").getMetadata().getOwnerReferences()).isEmpty();

    // Without a namespace controller a deleted namespace stays Terminating: the worst case.
    client.namespaces().withName("keep-gone").delete();
    client.resources(RegistryCredential.class).withName("keep").delete();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> client.resources(RegistryCredential.class).withName("keep").get() == null);
    assertThat(secret("keep-a", "keep")).isNotNull();

    // The same in Delete mode: the finalizer completes although one namespace is terminating.
    client.resource(basicAuthSecret(OPERATOR_NS, "del-src", "robot", "del-pw")).create();
    namespace(client, "del-a", Map.of());
    namespace(client, "del-gone", Map.of());
    serviceAccount(client, "del-gone", "default");
    client
        .resource(
            staticCredential("del", "del-src", SERVER, List.of("del-a", "del-gone"), null, null))
        .create();
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertReady("del", 2, 2));
    assertThat(secret("del-a", "del").getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(o -> assertThat(o.getName()).isEqualTo("del"));
    client.namespaces().withName("del-gone").delete();
    client.resources(RegistryCredential.class).withName("del").delete();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> client.resources(RegistryCredential.class).withName("del").get() == null);
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
    client
        .resource(
            staticCredential(
                "race", "race-src", SERVER, null, new Selector(Map.of("race", "yes"), null), null))
        .create();
    writer.join(60_000);
    stop.set(true);
    assertThat(writerErrors).isEmpty();
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertReady("race", 12, 12));
    for (String ns : namespaces) {
      assertThat(pullSecrets(ns, "default"))
          .as("default SA in %s", ns)
          .containsExactlyInAnyOrder("race", "other-0", "other-1", "other-2", "other-3", "other-4");
    }
    client.resources(RegistryCredential.class).withName("race").delete();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> client.resources(RegistryCredential.class).withName("race").get() == null);
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

  private void assertReady(String name, int targeted, int synced) {
    var status = client.resources(RegistryCredential.class).withName(name).get().getStatus();
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

  private Map<String, String> versions() {
    Map<String, String> v = new java.util.TreeMap<>();
    client
        .secrets()
        .inAnyNamespace()
        .withLabel("regcred.io/credential", "fan")
        .list()
        .getItems()
        .forEach(
            s ->
                v.put(
                    "secret/" + s.getMetadata().getNamespace(),
                    s.getMetadata().getResourceVersion()));
    for (String ns : List.of("fan-a", "fan-e")) {
      v.put(
          "sa/" + ns,
          client
              .serviceAccounts()
              .inNamespace(ns)
              .withName("default")
              .get()
              .getMetadata()
              .getResourceVersion());
    }
    v.put(
        "credential",
        client
            .resources(RegistryCredential.class)
            .withName("fan")
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
    assertThat(client.resources(RegistryCredential.class).list().getItems())
        .noneMatch(
            c ->
                io.fabric8.kubernetes.client.utils.Serialization.asJson(c.getStatus())
                    .contains(marker));
  }
}
