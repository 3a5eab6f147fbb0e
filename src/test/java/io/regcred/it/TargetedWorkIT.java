package io.regcred.it;

import static io.regcred.it.Fixtures.basicAuthSecret;
import static io.regcred.it.Fixtures.namespace;
import static io.regcred.it.Fixtures.serviceAccount;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.Counter;
import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import io.regcred.model.ConditionType;
import io.regcred.testing.Credentials;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An event costs the work of the namespace it is about: after the fan-out to N namespaces, a new
 * namespace, a ServiceAccount edit or a namespace leaving the selector brings only that namespace
 * in line, not all N again (read from the operator's own {@code regcred_namespaces_examined}
 * counter). Status still counts every namespace.
 */
class TargetedWorkIT {

  static final String OPERATOR_NS = "regcred-targeted";
  static final String CREDENTIAL = "targeted";
  static final Map<String, String> LABEL = Map.of("targeted-work", "yes");
  static final int N = 30;
  static final List<String> NAMESPACES =
      IntStream.range(0, N).mapToObj(i -> "targeted-" + i).toList();

  static KubernetesClient client;
  static RunningOperator operator;

  @BeforeAll
  static void fanOut() {
    client = TestCluster.newAdminClient();
    namespace(client, OPERATOR_NS, Map.of());
    client.resource(basicAuthSecret(OPERATOR_NS, "targeted-src", "robot", "pw")).create();
    for (String ns : NAMESPACES) {
      namespace(client, ns, LABEL);
      serviceAccount(client, ns, "default");
    }
    operator = RunningOperator.start(TestCluster.newAdminClient(), OPERATOR_NS);
    ClusterRegistryCredential credential =
        Credentials.named(CREDENTIAL)
            .staticSource("targeted-src", "r.test")
            .selector(LABEL)
            .serviceAccounts("default")
            .build();
    client.resource(credential).create();
    await()
        .atMost(Duration.ofSeconds(90))
        .until(() -> CredentialChecks.ready(client, CREDENTIAL, N));
  }

  @AfterAll
  static void cleanUp() {
    CredentialChecks.deleteAndWait(client, CREDENTIAL);
    operator.close();
    NAMESPACES.forEach(ns -> client.namespaces().withName(ns).delete());
    List.of("targeted-new", "targeted-leaving", OPERATOR_NS)
        .forEach(ns -> client.namespaces().withName(ns).delete());
    client.close();
  }

  @Test
  void aNewNamespaceIsOnboardedWithoutAPassOverTheOthers() {
    double before = examined();
    namespace(client, "targeted-new", LABEL);
    serviceAccount(client, "targeted-new", "default");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                Fixtures.pullSecretNames(client, "targeted-new", "default").contains(secretName()));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> CredentialChecks.ready(client, CREDENTIAL, N + 1));
    double cost = examined() - before;
    System.out.printf(
        "targeted work: onboarding one namespace examined %.0f namespaces (of %d)%n", cost, N + 1);
    // A namespace event, a ServiceAccount event, our own writes' echoes: a handful, never N.
    assertThat(cost).isLessThan(N / 2.0);
    namespaceGone("targeted-new");
  }

  @Test
  void aServiceAccountEditIsRepairedInItsNamespaceAlone() {
    String ns = NAMESPACES.get(3);
    double before = examined();
    // Someone rewrites the list without our entry; the operator puts it back.
    ServiceAccount sa = client.serviceAccounts().inNamespace(ns).withName("default").get();
    sa.setImagePullSecrets(List.of(new LocalObjectReference("their-own")));
    client.resource(sa).update();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                Fixtures.pullSecretNames(client, ns, "default")
                    .containsAll(List.of("their-own", secretName())));
    double cost = examined() - before;
    System.out.printf(
        "targeted work: repairing one ServiceAccount examined %.0f namespaces (of %d)%n", cost, N);
    assertThat(cost).isLessThan(N / 2.0);
  }

  @Test
  void aNamespaceLeavingTheSelectorIsPrunedAndCountsStayRight() {
    namespace(client, "targeted-leaving", LABEL);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                client.secrets().inNamespace("targeted-leaving").withName(secretName()).get()
                    != null);
    double before = examined();
    client
        .namespaces()
        .withName("targeted-leaving")
        .edit(
            n -> {
              n.getMetadata().getLabels().remove("targeted-work");
              return n;
            });
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                client.secrets().inNamespace("targeted-leaving").withName(secretName()).get()
                    == null);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> CredentialChecks.ready(client, CREDENTIAL, N));
    assertThat(examined() - before).isLessThan(N / 2.0);
  }

  @Test
  void aResolvedConflictIsWrittenAsSoonAsTheForeignSecretGoes() throws Exception {
    String ns = "targeted-conflict";
    namespace(client, ns, Map.of());
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(secretName())
                .withNamespace(ns)
                .endMetadata()
                .withStringData(Map.of("note", "someone else's"))
                .build())
        .create();
    client
        .namespaces()
        .withName(ns)
        .edit(
            n -> {
              n.getMetadata().setLabels(LABEL);
              return n;
            });
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                "Conflict"
                    .equals(
                        CredentialChecks.condition(client, CREDENTIAL, ConditionType.Synced)
                            .getReason()));
    // Past the first rechecks (5 s, then 10 s later): the next one is 20 s away. A recheck looks
    // at the blocked namespace, not at every namespace again.
    double before = examined();
    Thread.sleep(17_000);
    double rechecks = examined() - before;
    System.out.printf(
        "targeted work: two conflict rechecks examined %.0f namespaces (of %d)%n", rechecks, N + 1);
    assertThat(rechecks).isLessThan(N / 2.0);
    client.secrets().inNamespace(ns).withName(secretName()).delete();
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () -> {
              var written = client.secrets().inNamespace(ns).withName(secretName()).get();
              return written != null && written.getMetadata().getLabels() != null;
            });
    namespaceGone(ns);
  }

  /** Waits until a namespace is deleted and the credential counts without it again. */
  private static void namespaceGone(String ns) {
    client.namespaces().withName(ns).delete();
    // Without a controller-manager a namespace stays Terminating; it leaves the targets anyway.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> CredentialChecks.ready(client, CREDENTIAL, N));
  }

  private static String secretName() {
    return client
        .resources(ClusterRegistryCredential.class)
        .withName(CREDENTIAL)
        .get()
        .targetSecretName();
  }

  private static double examined() {
    return operator
        .main()
        .metrics()
        .registry()
        .find("regcred_namespaces_examined")
        .counters()
        .stream()
        .mapToDouble(Counter::count)
        .sum();
  }
}
