package io.regcred.it;

import static io.regcred.it.CredentialChecks.dockerConfig;
import static io.regcred.it.Fixtures.b64;
import static io.regcred.it.Fixtures.basicAuthSecret;
import static io.regcred.it.Fixtures.namespace;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import io.regcred.model.DockerConfigJson;
import io.regcred.model.RegistryAuth;
import io.regcred.testing.Credentials;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * T6: a credential's password never shows in logs (every logger at TRACE), Events, status or
 * metrics, even when an admission policy quotes the Secret it denies.
 */
class SecretsNeverEchoedIT {

  static final String OPERATOR_NS = "regcred-canary";
  static final String SERVER = "registry.canary.test";

  /** Denies our Secret in labelled namespaces with a message that quotes its data. */
  static final String ECHOING_POLICY =
      """
      apiVersion: admissionregistration.k8s.io/v1
      kind: ValidatingAdmissionPolicy
      metadata: {name: canary-echo}
      spec:
        failurePolicy: Fail
        matchConstraints:
          resourceRules:
          - apiGroups: [""]
            apiVersions: ["v1"]
            operations: ["CREATE", "UPDATE"]
            resources: ["secrets"]
        validations:
        - expression: "!has(object.data) || !('.dockerconfigjson' in object.data)"
          messageExpression: "'refused: ' + string(object.data['.dockerconfigjson'])"
      ---
      apiVersion: admissionregistration.k8s.io/v1
      kind: ValidatingAdmissionPolicyBinding
      metadata: {name: canary-echo}
      spec:
        policyName: canary-echo
        validationActions: [Deny]
        matchResources:
          namespaceSelector:
            matchLabels: {canary-echo: "yes"}
      """;

  @Test
  void passwordsAppearNowhereAUserOrAnAttackerCanRead() throws Exception {
    String first = "pw-CANARY-" + System.nanoTime();
    String second = "pw2-CANARY-" + System.nanoTime();
    List<String> seen = new ArrayList<>();
    try (LogCapture logs = new LogCapture(Level.TRACE);
        KubernetesClient client = TestCluster.newAdminClient()) {
      namespace(client, OPERATOR_NS, Map.of());
      namespace(client, "canary-ok", Map.of());
      namespace(client, "canary-denied", Map.of("canary-echo", "yes"));
      client
          .load(new ByteArrayInputStream(ECHOING_POLICY.getBytes(StandardCharsets.UTF_8)))
          .serverSideApply();
      awaitPolicyDenies(client);

      try (RunningOperator operator =
          RunningOperator.start(TestCluster.newAdminClient(), OPERATOR_NS)) {
        client.resource(basicAuthSecret(OPERATOR_NS, "canary-src", "robot", first)).create();
        client
            .resource(
                Credentials.named("canary")
                    .staticSource("canary-src", SERVER)
                    .namespaces("canary-ok", "canary-denied")
                    .build())
            .create();
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> failedNamespaces(client).contains("canary-denied"));

        client.resource(basicAuthSecret(OPERATOR_NS, "canary-src", "robot", second)).update();
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () ->
                    dockerConfig(client.secrets().inNamespace("canary-ok").withName("canary").get())
                        .contains(second));
        seen.add(
            Serialization.asJson(
                client
                    .resources(ClusterRegistryCredential.class)
                    .withName("canary")
                    .get()
                    .getStatus()));
        seen.add(operator.main().metrics().scrape());

        CredentialChecks.deleteAndWait(client, "canary");
      } finally {
        client
            .load(new ByteArrayInputStream(ECHOING_POLICY.getBytes(StandardCharsets.UTF_8)))
            .delete();
      }
      seen.add(Serialization.asJson(client.v1().events().inAnyNamespace().list()));
      seen.addAll(logs.lines());
    }

    assertThat(seen).as("something was read").hasSizeGreaterThan(10);
    for (String password : List.of(first, second)) {
      var auth = new RegistryAuth(SERVER, "robot", password);
      List<String> forms =
          List.of(
              password,
              DockerConfigJson.basicAuth("robot", password),
              b64(DockerConfigJson.render(List.of(auth))));
      for (String form : forms) {
        assertThat(seen).noneMatch(text -> text.contains(form));
      }
    }
  }

  private static List<String> failedNamespaces(KubernetesClient client) {
    var c = client.resources(ClusterRegistryCredential.class).withName("canary").get();
    if (c == null || c.getStatus() == null || c.getStatus().getFailures() == null) {
      return List.of();
    }
    return c.getStatus().getFailures().stream().map(f -> f.namespace()).toList();
  }

  /** Policies take a moment to be enforced after they are created. */
  private static void awaitPolicyDenies(KubernetesClient client) {
    var probe =
        new SecretBuilder()
            .withNewMetadata()
            .withName("probe")
            .withNamespace("canary-denied")
            .endMetadata()
            .withData(Map.of(".dockerconfigjson", b64("{}")))
            .build();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              try {
                client.resource(probe).create();
                client.resource(probe).delete();
                return false;
              } catch (KubernetesClientException e) {
                return e.getCode() == 403 || e.getCode() == 422;
              }
            });
  }
}
