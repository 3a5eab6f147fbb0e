package io.regcred.e2e;

import static io.regcred.it.Fixtures.namespace;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import io.regcred.it.CredentialChecks;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The install path of the README, for real: the image built from the Dockerfile and pushed to a
 * private registry, installed with {@code kubectl apply -k} (an overlay over {@code config/default}
 * that sets the image, as a platform team writes it) and, separately, with {@code helm install}.
 * The operator then runs as two Pods under the shipped RBAC, probes and security context: both
 * become ready, one holds the Lease, a credential reaches a new namespace and a Pod there pulls
 * through it, {@code /metrics} answers, the logs hold no password; with kustomize the leader's Pod
 * is deleted and the standby takes over. Each install is removed again to the last object.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class InstallE2E extends OnTheNode {

  static final String NAMESPACE = OPERATOR_NAMESPACE;
  static final String DEPLOYMENT = "regcred-operator";
  static final String LEASE = "regcred-operator-leader";
  static final String PULL_SECRET = "regcred-operator-image";
  static final String CREDENTIAL = "install-e2e";
  static final Map<String, String> SELECTED = Map.of("regcred.io/install-e2e", "yes");
  static final Path WORK = Path.of("target", "install-e2e");
  static final HttpClient HTTP = HttpClient.newHttpClient();

  static OperatorImage image;

  @BeforeAll
  static void buildAndPushTheImage() throws IOException {
    connect();
    image = OperatorImage.pushedTo(node);
    Files.createDirectories(WORK);
  }

  @Test
  @Order(1)
  void kubectlApplyKustomize() throws Exception {
    Path overlay = WORK.resolve("kustomize");
    Files.createDirectories(overlay);
    Files.writeString(
        overlay.resolve("kustomization.yaml"),
        String.join(
            "\n",
            "apiVersion: kustomize.config.k8s.io/v1beta1",
            "kind: Kustomization",
            "resources:",
            "- " + overlay.toAbsolutePath().relativize(Path.of("config/default").toAbsolutePath()),
            "images:",
            "- name: regcred-operator",
            "  newName: " + image.repository,
            "  newTag: " + image.tag,
            "patches:",
            "- target: {kind: Deployment, name: " + DEPLOYMENT + "}",
            "  patch: |-",
            "    - op: add",
            "      path: /spec/template/spec/imagePullSecrets",
            "      value: [{name: " + PULL_SECRET + "}]",
            ""));
    long start = System.nanoTime();
    imagePullSecret();
    node.kubectl("apply", "-k", overlay.toString());
    node.kubectl(
        "-n", NAMESPACE, "rollout", "status", "deployment/" + DEPLOYMENT, "--timeout=300s");
    System.out.printf(
        "install with kustomize: both replicas ready %.1f s after kubectl apply -k%n",
        (System.nanoTime() - start) / 1e9);
    try {
      try {
        reconcilesAndPullsEndToEnd("kustomize");
        standbyTakesOverWhenTheLeaderPodIsDeleted();
      } finally {
        removeCredential();
      }
    } finally {
      node.kubectl("delete", "-k", overlay.toString(), "--ignore-not-found", "--timeout=180s");
    }
    assertNothingInstalled();
  }

  @Test
  @Order(2)
  void helmInstall() throws Exception {
    long start = System.nanoTime();
    namespace(admin, NAMESPACE, Map.of());
    imagePullSecret();
    node.helm(
        "install",
        DEPLOYMENT,
        "charts/regcred-operator",
        "--namespace",
        NAMESPACE,
        "--set",
        "image.repository=" + image.repository,
        "--set",
        "image.tag=" + image.tag,
        "--set",
        "imagePullSecrets[0].name=" + PULL_SECRET,
        "--wait",
        "--timeout=5m");
    System.out.printf(
        "install with helm: both replicas ready %.1f s after helm install%n",
        (System.nanoTime() - start) / 1e9);
    try {
      try {
        reconcilesAndPullsEndToEnd("helm");
      } finally {
        removeCredential();
      }
    } finally {
      try {
        node.helm("uninstall", DEPLOYMENT, "--namespace", NAMESPACE, "--wait", "--timeout=3m");
      } finally {
        // Helm leaves the CRD of crds/ in place, as it does for every chart.
        node.kubectl("delete", "-k", "crds", "--ignore-not-found", "--timeout=120s");
        node.kubectl("delete", "namespace", NAMESPACE, "--ignore-not-found", "--timeout=120s");
      }
    }
    assertNothingInstalled();
  }

  /**
   * The two operator Pods ready without restarts, one of them the Lease holder; a credential
   * reaches a new labelled namespace and a Pod there pulls the private image with nothing in its
   * spec; the leader's {@code /metrics} answers; neither Pod's log holds the registry password.
   */
  private void reconcilesAndPullsEndToEnd(String how) throws Exception {
    List<Pod> operators = operatorPods();
    assertThat(operators).as("operator Pods").hasSize(2);
    assertThat(operators)
        .allSatisfy(
            p ->
                assertThat(p.getStatus().getContainerStatuses().get(0).getRestartCount())
                    .as("restarts of %s", p.getMetadata().getName())
                    .isZero());
    String leader = awaitLeader(null);
    assertThat(operators).extracting(p -> p.getMetadata().getName()).contains(leader);

    String team = "install-e2e-" + how;
    long start = System.nanoTime();
    staticCredential(CREDENTIAL, SELECTED);
    namespace(admin, team, SELECTED);
    await("the credential ready in " + team)
        .atMost(Duration.ofSeconds(60))
        .until(() -> CredentialChecks.ready(admin, CREDENTIAL, 1));
    await("our Secret listed in " + team + "/default")
        .atMost(Duration.ofSeconds(30))
        .until(() -> pods.pullSecrets(team).contains(CREDENTIAL));
    pods.create(team, "app");
    pods.awaitRunning(team, "app");
    System.out.printf(
        "install with %s: credential applied to a Pod running in a new namespace in %.1f s%n",
        how, (System.nanoTime() - start) / 1e9);

    String metrics = get(pod(leader), "/metrics");
    assertThat(metrics).contains("regcred_token_expiry_seconds{credential=\"" + CREDENTIAL + "\"");
    List<String> passwordForms =
        List.of(
            node.registryPassword(),
            Base64.getEncoder()
                .encodeToString(
                    (node.registryUser() + ":" + node.registryPassword())
                        .getBytes(StandardCharsets.UTF_8)));
    for (Pod p : operatorPods()) {
      String name = p.getMetadata().getName();
      String log = node.kubectl("-n", NAMESPACE, "logs", name);
      assertThat(log).as("log of %s", name).contains("regcred");
      // Not doesNotContain: its failure message would print the password.
      assertThat(passwordForms.stream().anyMatch(log::contains))
          .as("the log of %s holds the registry password, plain or base64", name)
          .isFalse();
    }
    node.kubectl("delete", "namespace", team, "--timeout=90s");
  }

  /**
   * Nothing of the operator is left in the cluster: namespace, CRD, cluster-scoped RBAC, policy.
   */
  private static void assertNothingInstalled() {
    assertThat(admin.namespaces().withName(NAMESPACE).get()).as("namespace " + NAMESPACE).isNull();
    assertThat(
            node.kubectl(
                    "get",
                    "customresourcedefinitions,clusterroles,clusterrolebindings,"
                        + "validatingadmissionpolicies,validatingadmissionpolicybindings",
                    "-o",
                    "name")
                .lines()
                .filter(name -> name.contains("regcred")))
        .as("cluster-scoped objects left")
        .isEmpty();
  }

  /** Deletes the leader's Pod: the standby takes the Lease and reconciles a new namespace. */
  private void standbyTakesOverWhenTheLeaderPodIsDeleted() {
    String leader = awaitLeader(null);
    long start = System.nanoTime();
    node.kubectl("-n", NAMESPACE, "delete", "pod", leader, "--wait=false");
    String next = awaitLeader(leader);
    double takeover = (System.nanoTime() - start) / 1e9;
    String team = "install-e2e-after-failover";
    namespace(admin, team, SELECTED);
    await("the new leader lists our Secret in " + team + "/default")
        .atMost(Duration.ofSeconds(60))
        .until(() -> pods.pullSecrets(team).contains(CREDENTIAL));
    System.out.printf(
        "install with kustomize: leader Pod deleted, %s took over in %.1f s and onboarded a new"
            + " namespace%n",
        next, takeover);
    node.kubectl("delete", "namespace", team, "--timeout=90s");
  }

  /** The Lease holder, once there is one other than {@code not}. */
  private static String awaitLeader(String not) {
    return await("a leader other than " + not)
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              Lease lease = admin.leases().inNamespace(NAMESPACE).withName(LEASE).get();
              return lease == null ? null : lease.getSpec().getHolderIdentity();
            },
            holder -> holder != null && !holder.isEmpty() && !holder.equals(not));
  }

  private static List<Pod> operatorPods() {
    return admin
        .pods()
        .inNamespace(NAMESPACE)
        .withLabel("app.kubernetes.io/name", DEPLOYMENT)
        .list()
        .getItems()
        .stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .toList();
  }

  private static Pod pod(String name) {
    return admin.pods().inNamespace(NAMESPACE).withName(name).get();
  }

  /** A request to the operator's HTTP port at its Pod's address, from the node. */
  private static String get(Pod pod, String path) throws Exception {
    HttpResponse<String> response =
        HTTP.send(
            HttpRequest.newBuilder(
                    URI.create("http://" + pod.getStatus().getPodIP() + ":8080" + path))
                .timeout(Duration.ofSeconds(5))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("GET %s", path).isEqualTo(200);
    return response.body();
  }

  /** The Secret the operator's own Pods pull its image with, from the private registry. */
  private static void imagePullSecret() {
    namespace(admin, NAMESPACE, Map.of());
    admin
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(PULL_SECRET)
                .withNamespace(NAMESPACE)
                .endMetadata()
                .withType("kubernetes.io/dockerconfigjson")
                .withStringData(Map.of(".dockerconfigjson", node.dockerConfigJson()))
                .build())
        .serverSideApply();
  }

  /** Deletes the credential while the operator runs, so its finalizer cleans up. */
  private static void removeCredential() {
    admin.resources(ClusterRegistryCredential.class).withName(CREDENTIAL).delete();
    await("the credential deleted")
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                admin.resources(ClusterRegistryCredential.class).withName(CREDENTIAL).get()
                    == null);
  }

  @AfterEach
  void leaveNoCredential() {
    var left = admin.resources(ClusterRegistryCredential.class).withName(CREDENTIAL).get();
    if (left != null) {
      left.getMetadata().setFinalizers(List.of());
      admin.resource(left).update();
    }
  }
}
