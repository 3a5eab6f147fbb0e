package io.regcred.it;

import static io.regcred.it.Fixtures.basicAuthSecret;
import static io.regcred.it.Fixtures.decode;
import static io.regcred.it.Fixtures.namespace;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import io.regcred.testing.Credentials;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The proof a user cares about: the Secret the operator writes lets the real client (skopeo) pull
 * from a real registry over TLS, and after a password rotation the new Secret works and the old
 * content no longer does.
 */
class RegistryPullIT {

  static final String NS = "regcred-pull";

  @Test
  void writtenSecretPullsAndRotationRevokesTheOldContent() throws Exception {
    try (LocalRegistry registry = LocalRegistry.start("robot", "first-pass");
        KubernetesClient client = TestCluster.newAdminClient();
        RunningOperator operator = RunningOperator.start(TestCluster.newAdminClient(), NS)) {
      String image = registry.pushTestImage("apps/app", "1", "robot", "first-pass");
      namespace(client, NS, Map.of());
      namespace(client, "pull-team", Map.of());
      client.resource(basicAuthSecret(NS, "robot", "robot", "first-pass")).create();
      client
          .resource(
              Credentials.named("pull")
                  .staticSource("robot", registry.host())
                  .namespaces("pull-team")
                  .build())
          .create();

      await().atMost(Duration.ofSeconds(20)).until(() -> secret(client) != null);
      String first = dockerConfig(secret(client));
      var ok = registry.inspect(image, first);
      assertThat(ok.exitCode()).as(ok.output()).isZero();
      assertThat(ok.output()).contains("\"Digest\"");

      // A wrong credential must fail, or the check above proves nothing.
      var wrong =
          registry.inspect(
              image, first.replace(Fixtures.b64("robot:first-pass"), Fixtures.b64("robot:nope")));
      assertThat(wrong.exitCode()).isNotZero();

      // Rotation: the registry and the source Secret get a new password.
      registry.setUser("robot", "second-pass");
      String uid = secret(client).getMetadata().getUid();
      client.resource(basicAuthSecret(NS, "robot", "robot", "second-pass")).update();
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> !dockerConfig(secret(client)).equals(first));
      Secret rotated = secret(client);
      assertThat(rotated.getMetadata().getUid()).isEqualTo(uid);
      var afterRotation = registry.inspect(image, dockerConfig(rotated));
      assertThat(afterRotation.exitCode()).as(afterRotation.output()).isZero();
      var stale = registry.inspect(image, first);
      assertThat(stale.exitCode()).as("old Secret content must stop working").isNotZero();

      // Leave nothing for the next test class's operator to adopt.
      client.resources(ClusterRegistryCredential.class).withName("pull").delete();
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  client.resources(ClusterRegistryCredential.class).withName("pull").get() == null);
    }
  }

  private static Secret secret(KubernetesClient client) {
    return client.secrets().inNamespace("pull-team").withName("pull").get();
  }

  private static String dockerConfig(Secret secret) {
    return decode(secret.getData().get(".dockerconfigjson"));
  }
}
