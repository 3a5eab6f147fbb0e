package io.regcred.it;

import static io.regcred.it.Fixtures.basicAuthSecret;
import static io.regcred.it.Fixtures.namespace;
import static io.regcred.it.Fixtures.serviceAccount;
import static io.regcred.it.Fixtures.staticCredential;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.regcred.api.v1alpha1.RegistryCredential;
import io.regcred.config.OperatorConfig;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The RBAC shipped in config/rbac is enough for everything the operator does (the operator runs
 * impersonating its ServiceAccount, with leader election on), and grants nothing dangerous.
 */
class RbacIT {

  static final String NS = "regcred-system";
  static final String USER = "system:serviceaccount:" + NS + ":regcred-operator";

  @Test
  void shippedRbacIsSufficientAndLeastPrivilege() throws Exception {
    try (KubernetesClient admin = TestCluster.newAdminClient()) {
      namespace(admin, NS, Map.of());
      String rbacYaml = run(List.of("kubectl", "kustomize", "config/rbac"));
      for (HasMetadata object :
          admin.load(new ByteArrayInputStream(rbacYaml.getBytes(StandardCharsets.UTF_8))).items()) {
        if (object.getMetadata().getNamespace() == null
            && !object.getKind().startsWith("Cluster")) {
          object.getMetadata().setNamespace(NS);
        }
        admin.resource(object).serverSideApply();
      }

      var asOperator =
          new ConfigBuilder(TestCluster.adminConfig())
              .withImpersonateUsername(USER)
              .withImpersonateGroups(
                  "system:serviceaccounts", "system:serviceaccounts:" + NS, "system:authenticated")
              .build();
      var config =
          new OperatorConfig(NS, NS, true, "regcred-operator-leader", "test-operator", 2, 8, 0);
      try (RunningOperator operator =
          RunningOperator.start(
              new KubernetesClientBuilder().withConfig(asOperator).build(), config)) {
        admin.resource(basicAuthSecret(NS, "rbac-src", "robot", "rbac-pw")).create();
        for (String ns : List.of("rbac-a", "rbac-b")) {
          namespace(admin, ns, Map.of("rbac", "yes"));
          serviceAccount(admin, ns, "default");
        }
        // A condition that is never met makes an Event too (SourceAvailable=False).
        admin
            .resource(
                staticCredential(
                    "rbac-missing", "no-such-secret", "quay.io", List.of("rbac-a"), null, null))
            .create();
        admin
            .resource(
                staticCredential(
                    "rbac",
                    "rbac-src",
                    "quay.io",
                    null,
                    new io.regcred.api.v1alpha1.Selector(Map.of("rbac", "yes"), null),
                    null))
            .create();

        await()
            .atMost(Duration.ofSeconds(60))
            .untilAsserted(
                () -> {
                  var status =
                      admin.resources(RegistryCredential.class).withName("rbac").get().getStatus();
                  assertThat(status).isNotNull();
                  assertThat(status.getNamespaces().synced()).isEqualTo(2);
                  assertThat(CredentialChecks.condition(status, "Ready").getStatus())
                      .isEqualTo("True");
                });
        assertThat(
                admin
                    .serviceAccounts()
                    .inNamespace("rbac-b")
                    .withName("default")
                    .get()
                    .getImagePullSecrets())
            .extracting("name")
            .containsExactly("rbac");
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () ->
                    admin.v1().events().inNamespace("default").list().getItems().stream()
                        .anyMatch(e -> "rbac-missing".equals(e.getInvolvedObject().getName())));
        assertThat(
                admin
                    .leases()
                    .inNamespace(NS)
                    .withName("regcred-operator-leader")
                    .get()
                    .getSpec()
                    .getHolderIdentity())
            .isNotBlank();

        admin.resources(RegistryCredential.class).withName("rbac").delete();
        admin.resources(RegistryCredential.class).withName("rbac-missing").delete();
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () ->
                    admin.resources(RegistryCredential.class).list().getItems().stream()
                        .noneMatch(c -> c.getMetadata().getName().startsWith("rbac")));
        assertThat(admin.secrets().inNamespace("rbac-a").withName("rbac").get()).isNull();
      }

      // kubectl's own view of what the account may do: nothing beyond what the operator needs.
      Path kubeconfig = TestCluster.kubeconfigFile();
      String canI =
          run(
              List.of(
                  "kubectl",
                  "--kubeconfig",
                  kubeconfig.toString(),
                  "auth",
                  "can-i",
                  "--list",
                  "--as",
                  USER,
                  "-n",
                  NS));
      System.out.println("kubectl auth can-i --list --as " + USER + "\n" + canI);
      for (String line : canI.lines().skip(1).toList()) {
        assertThat(line).doesNotContain("escalate", "bind", "impersonate", "pods/exec", "[*]");
        assertThat(line.split("\\s+")[0]).isNotEqualTo("*.*");
      }
      assertThat(canI).doesNotContainPattern("(?m)^pods\\s");
      for (String forbidden :
          List.of(
              "create pods",
              "create pods/exec",
              "impersonate users",
              "escalate clusterroles.rbac.authorization.k8s.io",
              "bind clusterroles.rbac.authorization.k8s.io",
              "delete registrycredentials.regcred.io",
              "delete namespaces",
              "patch serviceaccounts")) {
        var args =
            new java.util.ArrayList<>(
                List.of(
                    "kubectl",
                    "--kubeconfig",
                    kubeconfig.toString(),
                    "auth",
                    "can-i",
                    "--as",
                    USER,
                    "-n",
                    "rbac-a"));
        args.addAll(List.of(forbidden.split(" ")));
        assertThat(runStatus(args)).as(forbidden).isNotZero();
      }
    }
  }

  private static String run(List<String> command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(60, TimeUnit.SECONDS);
    assertThat(p.exitValue()).as(String.join(" ", command) + "\n" + out).isZero();
    return out;
  }

  private static int runStatus(List<String> command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    p.waitFor(60, TimeUnit.SECONDS);
    return p.exitValue();
  }
}
