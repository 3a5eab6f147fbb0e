package io.regcred.e2e;

import static io.regcred.it.Fixtures.namespace;

import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.regcred.config.OperatorConfig.Setting;
import io.regcred.testing.OperatorProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The operator installed as its manifests install it, on a {@link RealNode}: the CRD from {@code
 * crds/}, the ServiceAccount and RBAC from {@code config/rbac} in {@code regcred-system}, and the
 * operator's own process authenticating with a token of that ServiceAccount, so it can do exactly
 * what the shipped RBAC lets it do. Settings as in {@code config/manager}, except no HTTP port.
 */
final class ShippedOperator implements AutoCloseable {

  static final String NAMESPACE = "regcred-system";
  static final String SERVICE_ACCOUNT = "regcred-operator";

  private final RealNode node;
  private final Process process;

  private ShippedOperator(RealNode node, Process process) {
    this.node = node;
    this.process = process;
  }

  static ShippedOperator install(RealNode node, KubernetesClient admin, Path log)
      throws IOException {
    namespace(admin, NAMESPACE, Map.of());
    node.kubectl("apply", "-k", "crds");
    node.kubectl(
        "wait",
        "--for=condition=Established",
        "crd/registrycredentials.regcred.io",
        "--timeout=60s");
    node.kubectl("apply", "-k", "config/rbac");
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
    Process process =
        OperatorProcess.start(
            node.kubeconfigWithToken(SERVICE_ACCOUNT, token),
            Map.of(
                Setting.NAMESPACE.variable(),
                NAMESPACE,
                Setting.LEADER_ELECTION.variable(),
                "true",
                Setting.LEADER_IDENTITY.variable(),
                "regcred-operator-e2e",
                Setting.HTTP_PORT.variable(),
                "0"),
            log);
    return new ShippedOperator(node, process);
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Stops the process (SIGTERM, then SIGKILL). */
  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }

  /** Removes what {@link #install} applied; stop the process and delete credentials first. */
  void uninstall() {
    node.kubectl("delete", "-k", "config/rbac", "--ignore-not-found", "--wait=false");
    node.kubectl("delete", "-k", "crds", "--ignore-not-found");
    node.kubectl("delete", "namespace", NAMESPACE, "--ignore-not-found", "--timeout=60s");
  }
}
