package io.regcred.it;

import static io.regcred.it.CredentialChecks.condition;
import static io.regcred.it.Fixtures.basicAuthSecret;
import static io.regcred.it.Fixtures.namespace;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import io.regcred.model.ConditionType;
import io.regcred.testing.Credentials;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The operator proves a credential at the real registry (Debian's docker-registry, htpasswd, TLS
 * from a private CA) and says so in {@code Verified}: accepted, refused after a rotation to a wrong
 * password (a Warning Event, the Secrets still written: the registry has the last word),
 * unreachable without the CA, and Unknown when turned off. The password shows nowhere.
 */
class VerificationIT {

  static final String NS = "regcred-verify";
  static final String NAME = "verify";

  @Test
  void verifiedFollowsWhatTheRegistrySaysAboutTheCurrentCredential() throws Exception {
    String good = "pw-GOOD-" + System.nanoTime();
    String wrong = "pw-WRONG-" + System.nanoTime();
    try (LocalRegistry registry = LocalRegistry.start("robot", good);
        LogCapture logs = new LogCapture();
        KubernetesClient client = TestCluster.newAdminClient();
        RunningOperator operator = RunningOperator.start(TestCluster.newAdminClient(), NS)) {
      String ca = Files.readString(registry.certDir().resolve("ca.crt"));
      namespace(client, NS, Map.of());
      namespace(client, "verify-team", Map.of());
      client.resource(basicAuthSecret(NS, "robot", "robot", good)).create();
      client.resource(credential(registry, true, ca)).create();
      try {
        awaitVerified(client, "True", "Verified");
        assertThat(operator.main().metrics().scrape())
            .contains("regcred_credential_verified{credential=\"verify\"} 1.0")
            .contains("regcred_verifications_total{credential=\"verify\",result=\"Verified\"} 1.0");

        client.resource(basicAuthSecret(NS, "robot", "robot", wrong)).update();
        Condition refused = awaitVerified(client, "False", "Unauthorized");
        assertThat(refused.getMessage()).contains(registry.host()).contains("401");
        await("the Warning Event")
            .atMost(Duration.ofSeconds(10))
            .until(
                () ->
                    CredentialChecks.events(client, NAME).stream()
                        .anyMatch(e -> e.startsWith("Unauthorized:")));
        await("the Secret still written with the new content")
            .atMost(Duration.ofSeconds(10))
            .until(
                () ->
                    CredentialChecks.dockerConfig(
                            client.secrets().inNamespace("verify-team").withName(NAME).get())
                        .contains(Fixtures.b64("robot:" + wrong)));
        assertThat(operator.main().metrics().scrape())
            .contains("regcred_credential_verified{credential=\"verify\"} 0.0");

        client.resource(basicAuthSecret(NS, "robot", "robot", good)).update();
        awaitVerified(client, "True", "Verified");
        await("the recovery Event")
            .atMost(Duration.ofSeconds(10))
            .until(
                () ->
                    CredentialChecks.events(client, NAME).stream()
                        .anyMatch(e -> e.startsWith("Verified:")));

        // Without the private CA the operator cannot trust the registry, so it knows nothing.
        client.resource(credential(registry, true, null)).update();
        Condition untrusted = awaitVerified(client, "False", "Unreachable");
        assertThat(untrusted.getMessage()).containsIgnoringCase("certificate");

        client.resource(credential(registry, false, ca)).update();
        awaitVerified(client, "Unknown", "Skipped");

        String everything =
            String.join("\n", logs.lines())
                + Serialization.asJson(
                    client.resources(ClusterRegistryCredential.class).withName(NAME).get())
                + Serialization.asJson(client.v1().events().inNamespace("default").list())
                + operator.main().metrics().scrape();
        assertThat(everything).doesNotContain(good).doesNotContain(wrong);
      } finally {
        CredentialChecks.deleteAndWait(client, NAME);
      }
    }
  }

  private static ClusterRegistryCredential credential(
      LocalRegistry registry, boolean on, String ca) {
    return Credentials.named(NAME)
        .staticSource("robot", registry.host())
        .namespaces("verify-team")
        .verification(on, ca)
        .build();
  }

  private static Condition awaitVerified(KubernetesClient client, String status, String reason) {
    await("Verified " + status + "/" + reason)
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100))
        .ignoreExceptions()
        .until(
            () -> {
              Condition c = condition(client, NAME, ConditionType.Verified);
              return c != null && status.equals(c.getStatus()) && reason.equals(c.getReason());
            });
    return condition(client, NAME, ConditionType.Verified);
  }
}
