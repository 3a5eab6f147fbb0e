package io.regcred.it;

import static io.regcred.it.Fixtures.basicAuthSecret;
import static io.regcred.it.Fixtures.namespace;
import static io.regcred.it.Fixtures.serviceAccount;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.regcred.Labels;
import io.regcred.testing.Credentials;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * A namespace created while a credential rotates to many others gets its Secret without waiting for
 * the whole rotation: the pass serves it before the namespaces it still has ahead of it. With one
 * write at a time, the rotation of {@value #N} namespaces lasts long enough to see the order.
 */
class NewcomerDuringRotationIT {

  static final String OPERATOR_NS = "regcred-newcomer";
  static final String CREDENTIAL = "newcomer";
  static final Map<String, String> LABEL = Map.of("newcomer-test", "yes");
  static final int N = 200;
  static final String NEWCOMER = "newcomer-late";

  @Test
  void aNamespaceCreatedDuringARotationIsServedBeforeTheRotationEnds() throws Exception {
    List<String> namespaces = IntStream.range(0, N).mapToObj(i -> "newcomer-" + i).toList();
    try (KubernetesClient client = TestCluster.newAdminClient()) {
      namespace(client, OPERATOR_NS, Map.of());
      client.resource(basicAuthSecret(OPERATOR_NS, "newcomer-src", "robot", "pw-1")).create();
      Fixtures.inParallel(
          8,
          namespaces,
          ns -> {
            namespace(client, ns, LABEL);
            serviceAccount(client, ns, "default");
          });
      try (RunningOperator operator =
          RunningOperator.start(
              TestCluster.newAdminClient(),
              RunningOperator.config(OPERATOR_NS, Map.of("REGCRED_WRITE_CONCURRENCY", "1")))) {
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

        // The order in which the Secrets get the new password, as one watch sees their writes.
        AtomicLong seen = new AtomicLong();
        Map<String, Long> rotated = new ConcurrentHashMap<>();
        try (var watch =
            client
                .secrets()
                .inAnyNamespace()
                .withLabel(Labels.CREDENTIAL, CREDENTIAL)
                .watch(
                    new Watcher<>() {
                      @Override
                      public void eventReceived(Action action, Secret secret) {
                        if (action != Action.DELETED
                            && CredentialChecks.dockerConfig(secret).contains("pw-2")) {
                          rotated.putIfAbsent(
                              secret.getMetadata().getNamespace(), seen.incrementAndGet());
                        }
                      }

                      @Override
                      public void onClose(WatcherException cause) {}
                    })) {
          client.resource(basicAuthSecret(OPERATOR_NS, "newcomer-src", "robot", "pw-2")).update();
          await().atMost(Duration.ofSeconds(60)).until(() -> !rotated.isEmpty());
          namespace(client, NEWCOMER, LABEL);
          serviceAccount(client, NEWCOMER, "default");
          await().atMost(Duration.ofSeconds(120)).until(() -> rotated.size() == N + 1);
        }
        long newcomer = rotated.get(NEWCOMER);
        long after = namespaces.stream().filter(ns -> rotated.get(ns) > newcomer).count();
        System.out.printf(
            "newcomer during rotation: served as write %d of %d; %d namespaces of the rotation"
                + " came after it%n",
            newcomer, N + 1, after);
        assertThat(after).as("namespaces of the rotation written after the newcomer").isPositive();
        CredentialChecks.deleteAndWait(client, CREDENTIAL);
      } finally {
        for (String ns : namespaces) {
          client.namespaces().withName(ns).delete();
        }
        client.namespaces().withName(NEWCOMER).delete();
        client.namespaces().withName(OPERATOR_NS).delete();
      }
    }
  }
}
