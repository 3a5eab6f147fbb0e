package io.regcred.it;

import static io.regcred.it.Fixtures.basicAuthSecret;
import static io.regcred.it.Fixtures.namespace;
import static io.regcred.it.Fixtures.serviceAccount;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import io.regcred.api.v1alpha1.DeletionPolicy;
import io.regcred.testing.Credentials;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The README's upgrade from the cluster-scoped RegistryCredential of before the rename, on real API
 * servers: the old CRD has to go before the namespaced kind's CRD of the same name can be applied,
 * and Secrets that the old credentials released with {@code deletionPolicy: Retain} are adopted by
 * the same specs under kind ClusterRegistryCredential, not duplicated or reported as conflicts.
 */
class UpgradeIT {

  static final Path OLD_CRD =
      Path.of("src/test/resources/upgrade/registrycredentials.regcred.io-v1-cluster-scoped.yml");

  /** A credential as a platform team had it before the rename: cluster-scoped. */
  static final String OLD_CREDENTIAL =
      credential("RegistryCredential", "  target: {namespaces: {names: [team-a]}}");

  /** A team's credential once the namespaced kind is served: it has no target namespaces. */
  static final String NAMESPACED = credential("RegistryCredential", "");

  /** The same spec of kind ClusterRegistryCredential, as step 5 of the README applies it. */
  static final String RENAMED =
      credential("ClusterRegistryCredential", "  target: {namespaces: {names: [team-a]}}");

  static String credential(String kind, String target) {
    return String.join(
        "\n",
        "apiVersion: regcred.io/v1alpha1",
        "kind: " + kind,
        "metadata: {name: quay}",
        "spec:",
        "  source: {static: {secretRef: {name: quay-robot}, server: quay.io}}",
        target,
        "");
  }

  /**
   * A CRD's scope cannot change in place, so applying the new CRDs over an installation from before
   * the rename fails; the README's order (old objects, then the old CRD, then the new CRDs, then a
   * refresh of kubectl's discovery cache) works, with the README's commands, and serves both kinds
   * under their short names.
   */
  @Test
  void theClusterScopedCrdMustBeDeletedBeforeTheNamespacedOneIsApplied() throws Exception {
    try (ControlPlane plane = ControlPlane.start();
        Workstation kubectl = new Workstation(plane)) {
      // An installation from before the rename serves only the old kind, and kubectl has seen it.
      ok(kubectl.run(null, "delete", "crd", "--all", "--wait"));
      ok(kubectl.run(null, "apply", "--server-side", "-f", OLD_CRD.toString()));
      ok(established(kubectl, "crd/registrycredentials.regcred.io"));
      ok(kubectl.run(null, "api-resources", "--api-group=regcred.io"));
      ok(kubectl.run(OLD_CREDENTIAL, "apply", "-f", "-"));
      ok(kubectl.run(null, "create", "namespace", "team-a"));
      // Installed with Helm: the chart's notes on the next upgrade point to these steps (Helm
      // installs no CRD that exists already, so the old one stays, and upgrades none).
      ok(kubectl.helm("install"));
      assertThat(ok(kubectl.helm("upgrade", "--dry-run=server")))
          .contains("WARNING: registrycredentials.regcred.io is still the cluster-scoped CRD");

      ManifestsIT.Result inPlace =
          kubectl.run(null, "apply", "--server-side", "--force-conflicts", "-k", "crds");
      assertThat(inPlace.exitCode()).as(inPlace.output()).isNotZero();
      assertThat(inPlace.output())
          .contains("registrycredentials.regcred.io", "spec.scope", "field is immutable");

      // The README's steps, once the old operator has released every credential's Secrets.
      ok(kubectl.run(null, "delete", "registrycredentials.regcred.io", "--all", "--wait"));
      ok(kubectl.run(null, "delete", "crd", "registrycredentials.regcred.io", "--wait"));
      ok(kubectl.run(null, "apply", "--server-side", "--force-conflicts", "-k", "crds"));
      ok(
          established(
              kubectl,
              "crd/registrycredentials.regcred.io",
              "crd/clusterregistrycredentials.regcred.io"));

      // kubectl's discovery cache still has the old kind's scope, so it posts a namespaced
      // credential to the cluster-scoped path; kubectl api-resources refreshes it.
      ManifestsIT.Result stale = kubectl.run(NAMESPACED, "apply", "-n", "team-a", "-f", "-");
      assertThat(stale.exitCode()).as(stale.output()).isNotZero();
      assertThat(stale.output()).contains("NotFound");
      String resources = ok(kubectl.run(null, "api-resources", "--api-group=regcred.io"));
      assertThat(
              resources
                  .lines()
                  .skip(1)
                  .map(l -> String.join(" ", l.trim().split("\\s+")))
                  .collect(Collectors.toSet()))
          .containsExactlyInAnyOrder(
              "clusterregistrycredentials cregcred regcred.io/v1alpha1 false"
                  + " ClusterRegistryCredential",
              "registrycredentials regcred regcred.io/v1alpha1 true RegistryCredential");
      ok(kubectl.run(NAMESPACED, "apply", "-n", "team-a", "-f", "-"));
      ok(kubectl.run(RENAMED, "apply", "-f", "-"));
      assertThat(ok(kubectl.run(null, "get", "cregcred,regcred", "-A", "-o", "name")).lines())
          .containsExactlyInAnyOrder(
              "clusterregistrycredential.regcred.io/quay", "registrycredential.regcred.io/quay");
      assertThat(ok(kubectl.helm("upgrade", "--dry-run=server")))
          .contains("kubectl get regcred -A")
          .doesNotContain("WARNING: registrycredentials.regcred.io");
    }
  }

  /**
   * What the old operator leaves when its credential is deleted with {@code Retain} (the same code
   * as this operator's cluster kind, under the old name): the Secrets and the ServiceAccount
   * entries stay, without an owner reference. The same spec applied again, now a new object, takes
   * them over in place: same Secret, its owner reference now the new credential, one entry per
   * ServiceAccount, no conflict.
   */
  @Test
  void secretsReleasedWithRetainAreAdoptedByTheSameSpecApplied() throws Exception {
    String operatorNs = "regcred-upgrade";
    List<String> teams = List.of("upgrade-a", "upgrade-b");
    KubernetesClient client = TestCluster.newAdminClient();
    namespace(client, operatorNs, Map.of());
    for (String ns : teams) {
      namespace(client, ns, Map.of());
      serviceAccount(client, ns, "default", "theirs");
    }
    client.resource(basicAuthSecret(operatorNs, "upgrade-src", "robot", "upgrade-pw")).create();
    var credentials = client.resources(ClusterRegistryCredential.class);
    Credentials spec =
        Credentials.named("upgrade")
            .staticSource("upgrade-src", "registry.example.test:5000")
            .namespaces(teams)
            .verification(false, null);
    try (RunningOperator operator =
        RunningOperator.start(TestCluster.newAdminClient(), operatorNs)) {
      ClusterRegistryCredential before = credentials.resource(spec.build()).create();
      awaitReady(client, teams.size());
      Map<String, String> uids = secretUids(client, teams);

      // The README's first step: Retain, then delete, while the (old) operator runs.
      credentials
          .withName("upgrade")
          .edit(
              c -> {
                c.getSpec().setDeletionPolicy(DeletionPolicy.Retain);
                return c;
              });
      CredentialChecks.deleteAndWait(client, "upgrade");
      for (String ns : teams) {
        Secret released = client.secrets().inNamespace(ns).withName("upgrade").get();
        assertThat(released).as(ns).isNotNull();
        assertThat(released.getMetadata().getOwnerReferences()).as(ns).isEmpty();
        assertThat(pullSecrets(client, ns)).as(ns).containsExactly("theirs", "upgrade");
      }

      ClusterRegistryCredential after = credentials.resource(spec.build()).create();
      assertThat(after.getMetadata().getUid()).isNotEqualTo(before.getMetadata().getUid());
      awaitReady(client, teams.size());
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(
              () -> {
                for (String ns : teams) {
                  Secret adopted = client.secrets().inNamespace(ns).withName("upgrade").get();
                  assertThat(adopted.getMetadata().getOwnerReferences())
                      .as(ns)
                      .extracting(OwnerReference::getUid)
                      .containsExactly(after.getMetadata().getUid());
                }
              });
      assertThat(secretUids(client, teams)).as("the same Secrets, not new ones").isEqualTo(uids);
      assertThat(credentials.withName("upgrade").get().getStatus().getFailures()).isEmpty();
      for (String ns : teams) {
        assertThat(pullSecrets(client, ns)).as(ns).containsExactly("theirs", "upgrade");
      }
      CredentialChecks.deleteAndWait(client, "upgrade");
    } finally {
      credentials.withName("upgrade").delete();
      for (String ns : teams) {
        Fixtures.removeNamespace(client, ns);
      }
      Fixtures.removeNamespace(client, operatorNs);
      client.close();
    }
  }

  private static void awaitReady(KubernetesClient client, int synced) {
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> CredentialChecks.ready(client, "upgrade", synced));
  }

  private static Map<String, String> secretUids(KubernetesClient client, List<String> teams) {
    return teams.stream()
        .collect(
            Collectors.toMap(
                ns -> ns,
                ns ->
                    client
                        .secrets()
                        .inNamespace(ns)
                        .withName("upgrade")
                        .get()
                        .getMetadata()
                        .getUid()));
  }

  private static List<String> pullSecrets(KubernetesClient client, String ns) {
    return client
        .serviceAccounts()
        .inNamespace(ns)
        .withName("default")
        .get()
        .getImagePullSecrets()
        .stream()
        .map(LocalObjectReference::getName)
        .toList();
  }

  private static ManifestsIT.Result established(Workstation kubectl, String... crds) {
    List<String> args = new ArrayList<>(List.of("wait", "--for=condition=Established"));
    args.addAll(List.of(crds));
    args.add("--timeout=60s");
    return kubectl.run(null, args.toArray(String[]::new));
  }

  /**
   * kubectl and helm as an admin's workstation has them for one API server: a kubeconfig, and a
   * discovery cache of kubectl's own that outlives each command. They run from the repository's
   * root, the README's working directory.
   */
  private static final class Workstation implements AutoCloseable {

    private final Path dir;
    private final Path kubeconfig;

    Workstation(ControlPlane plane) throws IOException {
      dir = Files.createTempDirectory("regcred-workstation");
      kubeconfig = Files.writeString(dir.resolve("kubeconfig"), plane.adminKubeconfigYaml());
    }

    ManifestsIT.Result run(String stdin, String... args) {
      List<String> command =
          new ArrayList<>(
              List.of(
                  "kubectl",
                  "--kubeconfig=" + kubeconfig,
                  "--cache-dir=" + dir.resolve("kubectl-cache")));
      command.addAll(List.of(args));
      return exec(command, stdin);
    }

    /**
     * {@code helm install} or {@code upgrade} of the chart as release "regcred", printing notes.
     */
    ManifestsIT.Result helm(String command, String... flags) {
      List<String> args =
          new ArrayList<>(
              List.of(
                  TestCluster.binary("helm").toString(),
                  "--kubeconfig=" + kubeconfig,
                  command,
                  "regcred",
                  ManifestsIT.CHART.toString(),
                  "--namespace=regcred-system",
                  "--create-namespace"));
      args.addAll(List.of(flags));
      return exec(args, null);
    }

    private static ManifestsIT.Result exec(List<String> command, String stdin) {
      try {
        return ManifestsIT.exec(command, stdin, true);
      } catch (Exception e) {
        throw new IllegalStateException(String.join(" ", command), e);
      }
    }

    @Override
    public void close() throws IOException {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static String ok(ManifestsIT.Result result) {
    assertThat(result.exitCode()).as(result.output()).isZero();
    return result.output();
  }
}
