package io.regcred.it;

import static io.regcred.it.Fixtures.basicAuthSecret;
import static io.regcred.it.Fixtures.namespace;
import static io.regcred.it.Fixtures.serviceAccount;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.regcred.reconciler.ServiceAccountPatcher;
import io.regcred.testing.Credentials;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * R6: another writer updates the same ServiceAccounts as fast as it can, so most of the operator's
 * updates meet a 409 Conflict. No entry is lost or duplicated, theirs or ours.
 */
class ConflictStormIT {

  static final String OPERATOR_NS = "regcred-storm";
  static final List<String> NAMESPACES = List.of("storm-a", "storm-b", "storm-c");

  @Test
  void aWriterRacingOnEveryServiceAccountLosesNothingAndNeitherDoWe() throws Exception {
    try (KubernetesClient client = TestCluster.newAdminClient()) {
      namespace(client, OPERATOR_NS, Map.of());
      client.resource(basicAuthSecret(OPERATOR_NS, "storm-src", "robot", "pw")).create();
      for (String ns : NAMESPACES) {
        namespace(client, ns, Map.of());
        serviceAccount(client, ns, "default");
      }
      AtomicBoolean racing = new AtomicBoolean(true);
      Map<String, AtomicInteger> theirWrites = new java.util.HashMap<>();
      List<Thread> writers = new ArrayList<>();
      for (String ns : NAMESPACES) {
        AtomicInteger writes = new AtomicInteger();
        theirWrites.put(ns, writes);
        Thread writer = new Thread(() -> race(client, ns, racing, writes), "racing-writer-" + ns);
        writer.start();
        writers.add(writer);
      }
      try (RunningOperator operator =
          RunningOperator.start(TestCluster.newAdminClient(), OPERATOR_NS)) {
        var credential =
            Credentials.named("storm")
                .staticSource("storm-src", "r.test")
                .namespaces(NAMESPACES)
                .serviceAccounts("default")
                .build();
        client.resource(credential).create();
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> NAMESPACES.stream().allMatch(ns -> entries(client, ns).contains("storm")));
        Thread.sleep(2_000);
        racing.set(false);
        for (Thread writer : writers) {
          writer.join();
        }
        System.out.printf("conflict storm: the other writer's updates: %s%n", theirWrites);
        for (String ns : NAMESPACES) {
          List<String> entries = entries(client, ns);
          assertThat(entries).as(ns).filteredOn("storm"::equals).hasSize(1);
          List<String> expected =
              java.util.stream.IntStream.range(0, theirWrites.get(ns).get())
                  .mapToObj(i -> "theirs-" + i)
                  .toList();
          assertThat(entries.stream().filter(e -> e.startsWith("theirs-")).toList())
              .as("every entry the other writer added is there, once, in order")
              .isEqualTo(expected)
              .hasSizeGreaterThan(1);
        }
        CredentialChecks.deleteAndWait(client, "storm");
        for (String ns : NAMESPACES) {
          assertThat(entries(client, ns))
              .doesNotContain("storm")
              .anyMatch(e -> e.startsWith("theirs-"));
        }
      } finally {
        racing.set(false);
      }
    }
  }

  /**
   * Entries the operator's cache leaves out (one without a name, one with a name no Secret can
   * have): its cached copy cannot stand for the list, so it reads the ServiceAccount before adding
   * and removing its entry, and they stay.
   */
  @Test
  void entriesTheCacheLeavesOutAreKept() {
    String ns = "storm-odd";
    try (KubernetesClient client = TestCluster.newAdminClient()) {
      namespace(client, OPERATOR_NS, Map.of());
      client.resource(basicAuthSecret(OPERATOR_NS, "storm-odd-src", "robot", "pw")).create();
      namespace(client, ns, Map.of());
      List<LocalObjectReference> theirs =
          List.of(
              new LocalObjectReference(),
              new LocalObjectReference("p".repeat(300)),
              new LocalObjectReference("theirs"));
      client
          .resource(
              new io.fabric8.kubernetes.api.model.ServiceAccountBuilder()
                  .withNewMetadata()
                  .withName("default")
                  .withNamespace(ns)
                  .endMetadata()
                  .withImagePullSecrets(theirs)
                  .build())
          .create();
      try (RunningOperator operator =
          RunningOperator.start(TestCluster.newAdminClient(), OPERATOR_NS)) {
        client
            .resource(
                Credentials.named("storm-odd")
                    .staticSource("storm-odd-src", "r.test")
                    .namespaces(ns)
                    .serviceAccounts("default")
                    .build())
            .create();
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> entries(client, ns).contains("storm-odd"));
        var withOurs = new ArrayList<>(theirs);
        withOurs.add(new LocalObjectReference("storm-odd"));
        assertThat(pullSecrets(client, ns)).isEqualTo(withOurs);
        CredentialChecks.deleteAndWait(client, "storm-odd");
        assertThat(pullSecrets(client, ns)).isEqualTo(theirs);
      } finally {
        client.namespaces().withName(ns).delete();
      }
    }
  }

  /**
   * An entry added or removed from a cached copy that is current costs one request each, the patch:
   * the ServiceAccount is not read first. At N namespaces a read before each patch would be N more
   * requests in every fan-out and clean-up.
   */
  @Test
  void anEntryFromACurrentCacheIsOnePatchAndNoRead() {
    String ns = "storm-one";
    try (KubernetesClient admin = TestCluster.newAdminClient()) {
      namespace(admin, ns, Map.of());
      serviceAccount(admin, ns, "default");
      ServiceAccount cached = admin.serviceAccounts().inNamespace(ns).withName("default").get();
      var log = new ApiRequestLog();
      try (KubernetesClient client = log.client(TestCluster.adminConfig())) {
        var patcher = new ServiceAccountPatcher(client);
        ServiceAccount written = patcher.addEntry(cached, "ours").orElseThrow();
        assertThat(written.getImagePullSecrets()).extracting("name").containsExactly("ours");
        assertThat(patcher.removeEntry(written, "ours")).isPresent();
        var patch = new ApiRequestLog.Request("patch", "", "serviceaccounts", ns);
        assertThat(log.sent()).containsExactly(patch, patch);
        assertThat(entries(admin, ns)).isEmpty();
      } finally {
        admin.namespaces().withName(ns).delete();
      }
    }
  }

  /**
   * Appends its own numbered entry, read-modify-write with the resourceVersion, as fast as it can.
   */
  private static void race(
      KubernetesClient client, String ns, AtomicBoolean racing, AtomicInteger writes) {
    int n = 0;
    while (racing.get()) {
      ServiceAccount sa = client.serviceAccounts().inNamespace(ns).withName("default").get();
      List<LocalObjectReference> list =
          sa.getImagePullSecrets() == null
              ? new ArrayList<>()
              : new ArrayList<>(sa.getImagePullSecrets());
      list.add(new LocalObjectReference("theirs-" + n));
      sa.setImagePullSecrets(list);
      try {
        client.resource(sa).update();
        writes.incrementAndGet();
        n++;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
      }
    }
  }

  private static List<String> entries(KubernetesClient client, String ns) {
    return pullSecrets(client, ns).stream().map(LocalObjectReference::getName).toList();
  }

  private static List<LocalObjectReference> pullSecrets(KubernetesClient client, String ns) {
    var list =
        client.serviceAccounts().inNamespace(ns).withName("default").get().getImagePullSecrets();
    return list == null ? List.of() : list;
  }
}
