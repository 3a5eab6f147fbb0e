package io.regcred.e2e;

import static io.regcred.it.Fixtures.namespace;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import io.regcred.config.OperatorConfig.Setting;
import io.regcred.testing.OperatorProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The operator installed as its manifests install it, on a {@link RealNode}: the CRD from {@code
 * crds/}, the ServiceAccount and RBAC from {@code config/rbac} in {@code regcred-system}, and the
 * operator's runtime payload (the JRE and jars the image ships) as its own process, authenticating
 * with a token of that ServiceAccount, so it can do exactly what the shipped RBAC lets it do.
 * Settings as in {@code config/manager}, except no HTTP port, and the node's registry (on
 * 127.0.0.1) listed as one namespaced credentials may be verified against.
 */
final class ShippedOperator implements AutoCloseable {

  static final String NAMESPACE = "regcred-system";
  static final String SERVICE_ACCOUNT = "regcred-operator";
  static final String LEASE = "regcred-operator-leader";
  static final String IDENTITY = "regcred-operator-e2e";

  private final RealNode node;
  private final KubernetesClient admin;
  private final Path log;
  private Process process;

  private ShippedOperator(RealNode node, KubernetesClient admin, Path log) {
    this.node = node;
    this.admin = admin;
    this.log = log;
  }

  /** Installs the CRD and RBAC and starts the operator; its output goes to {@code log}. */
  static ShippedOperator install(RealNode node, KubernetesClient admin, Path log)
      throws IOException {
    Files.deleteIfExists(log);
    // What an earlier test class left must be gone, or another operator could do the work.
    await("an earlier " + NAMESPACE + " deleted")
        .atMost(Duration.ofSeconds(120))
        .until(
            () -> {
              var ns = admin.namespaces().withName(NAMESPACE).get();
              return ns == null || ns.getMetadata().getDeletionTimestamp() == null;
            });
    if (!admin.apps().deployments().inNamespace(NAMESPACE).list().getItems().isEmpty()) {
      throw new IllegalStateException("an operator Deployment runs in " + NAMESPACE);
    }
    namespace(admin, NAMESPACE, Map.of());
    node.kubectl("apply", "-k", "crds");
    node.kubectl(
        "wait",
        "--for=condition=Established",
        "crd/clusterregistrycredentials.regcred.io",
        "--timeout=60s");
    node.kubectl("apply", "-k", "config/rbac");
    ShippedOperator operator = new ShippedOperator(node, admin, log);
    operator.start();
    return operator;
  }

  /**
   * Starts the operator process (again, after {@link #close}) and waits until it holds the Lease,
   * so what follows is its work.
   */
  void start() throws IOException {
    String token =
        admin
            .serviceAccounts()
            .inNamespace(NAMESPACE)
            .withName(SERVICE_ACCOUNT)
            .tokenRequest(
                new TokenRequestBuilder()
                    .withNewSpec()
                    .withExpirationSeconds(3600L)
                    .endSpec()
                    .build())
            .getStatus()
            .getToken();
    process =
        OperatorProcess.startPayload(
            node.kubeconfigWithToken(SERVICE_ACCOUNT, token),
            Map.of(
                Setting.NAMESPACE.variable(),
                NAMESPACE,
                Setting.LEADER_ELECTION.variable(),
                "true",
                Setting.LEADER_IDENTITY.variable(),
                IDENTITY,
                Setting.HTTP_PORT.variable(),
                "0",
                Setting.TENANT_VERIFY_ALLOWED.variable(),
                node.registry()),
            log);
    await("the operator process holds the Lease " + LEASE)
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              if (!process.isAlive()) {
                throw new IllegalStateException("the operator exited; see " + log);
              }
              Lease lease = admin.leases().inNamespace(NAMESPACE).withName(LEASE).get();
              return lease != null && IDENTITY.equals(lease.getSpec().getHolderIdentity());
            });
  }

  /** What the operator has logged so far. */
  String log() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  boolean isAlive() {
    return process != null && process.isAlive();
  }

  /** Stops the process (SIGTERM, then SIGKILL). */
  @Override
  public void close() {
    stop();
  }

  void stop() {
    if (process == null) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  /**
   * Removes what a test left and what {@link #install} applied: the namespaces (the namespace
   * controller ends their Pods), the credentials while the operator runs so its finalizer cleans up
   * (or, if it is not running, without the finalizer), the operator, its RBAC and the CRD. Prints
   * how long it took.
   */
  void tearDown(List<String> credentials, List<String> namespaces) {
    long start = System.nanoTime();
    List<Runnable> steps = new ArrayList<>();
    if (!namespaces.isEmpty()) {
      List<String> command = new ArrayList<>(List.of("delete", "namespace"));
      command.addAll(namespaces);
      command.addAll(List.of("--ignore-not-found", "--timeout=120s"));
      steps.add(() -> node.kubectl(command.toArray(String[]::new)));
    }
    steps.add(
        () -> {
          if (isAlive()) {
            credentials.forEach(
                c -> admin.resources(ClusterRegistryCredential.class).withName(c).delete());
            await("the credentials deleted")
                .atMost(Duration.ofSeconds(30))
                .until(() -> credentials.stream().allMatch(c -> credential(c) == null));
          }
        });
    steps.add(this::stop);
    // Without an operator the finalizer would keep the credential, and with it the CRD.
    for (String c : credentials) {
      steps.add(
          () -> {
            if (credential(c) != null) {
              admin
                  .resources(ClusterRegistryCredential.class)
                  .withName(c)
                  .edit(
                      r -> {
                        r.getMetadata().setFinalizers(List.of());
                        return r;
                      });
            }
          });
    }
    steps.add(
        () -> node.kubectl("delete", "-k", "config/rbac", "--ignore-not-found", "--wait=false"));
    steps.add(() -> node.kubectl("delete", "-k", "crds", "--ignore-not-found", "--timeout=120s"));
    steps.add(
        () ->
            node.kubectl("delete", "namespace", NAMESPACE, "--ignore-not-found", "--timeout=120s"));
    RuntimeException first = null;
    for (Runnable step : steps) {
      try {
        step.run();
      } catch (RuntimeException e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    System.out.printf(
        "%s: cleaned up in %.1f s%n", log.getFileName(), (System.nanoTime() - start) / 1e9);
    if (first != null) {
      throw first;
    }
  }

  private ClusterRegistryCredential credential(String name) {
    return admin.resources(ClusterRegistryCredential.class).withName(name).get();
  }
}
