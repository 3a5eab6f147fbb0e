package io.regcred.it;

import static io.regcred.it.Fixtures.basicAuthSecret;
import static io.regcred.it.Fixtures.namespace;
import static io.regcred.it.Fixtures.serviceAccount;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.regcred.Labels;
import io.regcred.testing.Credentials;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A namespace that turns up while a credential rotates to many others is served without waiting for
 * the whole rotation: the pass serves it before the namespaces it still has ahead of it. With one
 * write at a time, the rotation of {@value #N} namespaces lasts long enough to see the order.
 */
class NewcomerDuringRotationIT {

  static final String OPERATOR_NS = "regcred-newcomer";
  static final String CREDENTIAL = "newcomer";
  static final Map<String, String> LABEL = Map.of("newcomer-test", "yes");
  static final int N = 200;
  static final List<String> NAMESPACES =
      IntStream.range(0, N).mapToObj(i -> "newcomer-" + i).toList();

  static KubernetesClient client;
  static RunningOperator operator;

  @BeforeAll
  static void rotatingCredential() throws Exception {
    client = TestCluster.newAdminClient();
    namespace(client, OPERATOR_NS, Map.of());
    client.resource(basicAuthSecret(OPERATOR_NS, "newcomer-src", "robot", "pw-1")).create();
    Fixtures.inParallel(
        8,
        NAMESPACES,
        ns -> {
          namespace(client, ns, LABEL);
          serviceAccount(client, ns, "default");
        });
    operator =
        RunningOperator.start(
            TestCluster.newAdminClient(),
            RunningOperator.config(OPERATOR_NS, Map.of("REGCRED_WRITE_CONCURRENCY", "1")));
    client
        .resource(
            Credentials.named(CREDENTIAL)
                .staticSource("newcomer-src", "r.test")
                .selector(LABEL)
                .serviceAccounts("default")
                .build())
        .create();
    await()
        .atMost(Duration.ofSeconds(120))
        .until(() -> CredentialChecks.ready(client, CREDENTIAL, N));
  }

  @AfterAll
  static void cleanUp() {
    try {
      CredentialChecks.deleteAndWait(client, CREDENTIAL);
      operator.close();
    } finally {
      for (String ns : NAMESPACES) {
        client.namespaces().withName(ns).delete();
      }
      client.namespaces().withName(OPERATOR_NS).delete();
      client.close();
    }
  }

  @Test
  void aNamespaceCreatedDuringARotationIsServedBeforeTheRotationEnds() {
    String newcomer = "newcomer-late";
    try (Rotation rotation = Rotation.to("pw-2")) {
      await().atMost(Duration.ofSeconds(60)).until(() -> !rotation.order.isEmpty());
      namespace(client, newcomer, LABEL);
      serviceAccount(client, newcomer, "default");
      await().atMost(Duration.ofSeconds(120)).until(() -> rotation.order.size() == N + 1);
      long served = rotation.order.get(newcomer);
      long after = NAMESPACES.stream().filter(ns -> rotation.order.get(ns) > served).count();
      System.out.printf(
          "newcomer during rotation: served as write %d of %d; %d namespaces of the rotation"
              + " came after it%n",
          served, N + 1, after);
      assertThat(after).as("namespaces of the rotation written after the newcomer").isPositive();
    } finally {
      client.namespaces().withName(newcomer).delete();
    }
  }

  /**
   * A namespace the rotation has already written whose ServiceAccount appears only then gets our
   * entry at once, not after the rest of the rotation: the namespace had been created just before,
   * and its ServiceAccount came late (as it does: the controller-manager adds {@code default} after
   * the namespace).
   */
  @Test
  void aServiceAccountThatAppearsAfterItsNamespaceWasRotatedGetsItsEntryBeforeTheRotationEnds() {
    // Sorts first, so the rotation writes it first.
    String early = "a-newcomer-early";
    try (Rotation rotation =
        rotationThenServiceAccount(early, "pw-3", r -> r.order.containsKey(early))) {
      await()
          .atMost(Duration.ofSeconds(120))
          .until(() -> Fixtures.pullSecretNames(client, early, "default").contains(CREDENTIAL));
      int rotatedWhenListed = rotation.order.size();
      System.out.printf(
          "late ServiceAccount: our entry was added when %d of %d namespaces were rotated%n",
          rotatedWhenListed, N + 1);
      assertThat(rotatedWhenListed)
          .as("namespaces rotated when the late ServiceAccount got our entry")
          .isLessThan(N + 1);
      await().atMost(Duration.ofSeconds(120)).until(() -> rotation.order.size() == N + 1);
    } finally {
      client.namespaces().withName(early).delete();
    }
  }

  /**
   * The same for a namespace the rotation has not reached yet: it is served before the rest of the
   * rotation, not when its turn comes at the end.
   */
  @Test
  void aServiceAccountThatAppearsBeforeItsNamespaceIsReachedGetsItsEntryBeforeTheRotationEnds() {
    // Sorts last, so the rotation would reach it last.
    String late = "z-newcomer-late";
    try (Rotation rotation = rotationThenServiceAccount(late, "pw-4", r -> !r.order.isEmpty())) {
      await().atMost(Duration.ofSeconds(120)).until(() -> rotation.order.size() == N + 1);
      assertThat(Fixtures.pullSecretNames(client, late, "default")).contains(CREDENTIAL);
      long served = rotation.order.get(late);
      System.out.printf(
          "ServiceAccount ahead of the rotation: its namespace was rotated as %d of %d%n",
          served, N + 1);
      // Written together with the entry, moved to the front; its turn would have been last.
      assertThat(served).as("place of the namespace in the rotation").isLessThan(N / 2);
    } finally {
      client.namespaces().withName(late).delete();
    }
  }

  /**
   * A namespace that has our Secret but no ServiceAccount yet, a rotation to a new password, and
   * the namespace's {@code default} ServiceAccount created once {@code when} holds.
   */
  private static Rotation rotationThenServiceAccount(
      String ns, String password, Predicate<Rotation> when) {
    namespace(client, ns, LABEL);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> client.secrets().inNamespace(ns).withName(CREDENTIAL).get() != null);
    Rotation rotation = Rotation.to(password);
    await().atMost(Duration.ofSeconds(60)).until(() -> when.test(rotation));
    serviceAccount(client, ns, "default");
    return rotation;
  }

  /**
   * A rotation of the source to a new password, with the order in which one watch sees the
   * credential's Secrets get it.
   */
  private static final class Rotation implements AutoCloseable {
    final Map<String, Long> order = new ConcurrentHashMap<>();
    private final Watch watch;

    private Rotation(String password) {
      AtomicLong seen = new AtomicLong();
      watch =
          client
              .secrets()
              .inAnyNamespace()
              .withLabel(Labels.CREDENTIAL, CREDENTIAL)
              .watch(
                  new Watcher<>() {
                    @Override
                    public void eventReceived(Action action, Secret secret) {
                      if (action != Action.DELETED
                          && CredentialChecks.dockerConfig(secret).contains(password)) {
                        order.putIfAbsent(
                            secret.getMetadata().getNamespace(), seen.incrementAndGet());
                      }
                    }

                    @Override
                    public void onClose(WatcherException cause) {}
                  });
    }

    static Rotation to(String password) {
      Rotation rotation = new Rotation(password);
      client.resource(basicAuthSecret(OPERATOR_NS, "newcomer-src", "robot", password)).update();
      return rotation;
    }

    @Override
    public void close() {
      watch.close();
    }
  }
}
