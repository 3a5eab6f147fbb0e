package io.regcred.e2e;

import static io.regcred.it.Fixtures.namespace;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.regcred.Annotations;
import io.regcred.testing.Credentials;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Rotating a robot account's password, the way a platform team does it: first at the registry (from
 * then on it refuses the old password), then in the credential's source Secret. The operator
 * rewrites its Secret in place, new Pods pull with the new password, and a Pod still holding the
 * old one is refused by the registry.
 */
class RotationE2E extends OnTheNode.WithShippedOperator {

  static final String ROBOT = "e2e-rotation-robot";
  static final String CREDENTIAL = "e2e-rotation";
  static final String SOURCE_SECRET = "e2e-rotation-robot";
  static final String SELECTED = "e2e-rotation";
  static final String ELSEWHERE = "e2e-rotation-elsewhere";
  static final String OLD_COPY = "before-rotation";

  @BeforeAll
  static void installOperator() throws Exception {
    install("rotation-e2e.log");
  }

  @Test
  void afterThePasswordChangesAtTheRegistryAndInTheSourceNewPodsPullAndTheOldPasswordIsRefused() {
    putSourceSecret(SOURCE_SECRET, ROBOT, node.rotateRegistryUser(ROBOT));
    namespace(admin, SELECTED, Map.of());
    namespace(admin, ELSEWHERE, Map.of());
    admin
        .resource(
            Credentials.named(CREDENTIAL)
                .staticSource(SOURCE_SECRET, node.registry())
                .namespaces(SELECTED)
                .build())
        .serverSideApply();
    await("the operator lists its Secret in " + SELECTED + "/default")
        .atMost(Duration.ofSeconds(60))
        .until(() -> pods.pullSecrets(SELECTED).contains(CREDENTIAL));
    pods.create(SELECTED, "before");
    pods.awaitRunning(SELECTED, "before");
    Secret before = managedSecret();
    // What a Pod created before the rotation holds: the old password, as a Secret of its own.
    admin
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(OLD_COPY)
                .withNamespace(ELSEWHERE)
                .endMetadata()
                .withType(before.getType())
                .withData(before.getData())
                .build())
        .create();

    String newPassword = node.rotateRegistryUser(ROBOT);
    long rotated = System.nanoTime();
    putSourceSecret(SOURCE_SECRET, ROBOT, newPassword);
    await("the operator's Secret in " + SELECTED + " rewritten")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> !contentHash(managedSecret()).equals(contentHash(before)));
    double rewritten = (System.nanoTime() - rotated) / 1e9;
    Secret after = managedSecret();
    assertThat(after.getMetadata().getUid())
        .as("rewritten in place, not deleted and created again")
        .isEqualTo(before.getMetadata().getUid());
    assertThat(pods.pullSecrets(SELECTED)).containsExactly(CREDENTIAL);

    pods.create(SELECTED, "after");
    pods.awaitRunning(SELECTED, "after");
    pods.create(ELSEWHERE, "old-password", OLD_COPY);
    pods.awaitRefused(ELSEWHERE, "old-password");
    System.out.printf(
        "rotation: the Secret rewritten %.2f s after the source changed; a new Pod pulled with the"
            + " new password, the old one refused with 401%n",
        rewritten);
  }

  @AfterAll
  static void cleanUp() {
    try {
      tearDown(List.of(CREDENTIAL), List.of(SELECTED, ELSEWHERE));
    } finally {
      if (node != null) {
        node.deleteRegistryUser(ROBOT);
      }
    }
  }

  private static Secret managedSecret() {
    return admin.secrets().inNamespace(SELECTED).withName(CREDENTIAL).get();
  }

  private static String contentHash(Secret secret) {
    return secret.getMetadata().getAnnotations().get(Annotations.CONTENT_HASH);
  }
}
