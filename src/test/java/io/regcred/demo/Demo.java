package io.regcred.demo;

import static io.regcred.it.CredentialChecks.ready;
import static io.regcred.it.Fixtures.namespace;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.regcred.it.Fixtures;
import io.regcred.it.LocalRegistry;
import io.regcred.it.RunningOperator;
import io.regcred.it.TestCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code make demo}: a local control plane, a local registry with a pushed image, the operator, and
 * a static RegistryCredential fanned out to three namespaces; then the proof that a pull with each
 * written Secret succeeds. It keeps running (for kubectl) until {@code make demo-down}.
 */
public final class Demo {

  static final Path STATE = Path.of(".demo");
  static final String NS = "regcred-system";
  static final List<String> TEAMS = List.of("team-a", "team-b", "team-c");

  public static void main(String[] args) throws Exception {
    Files.createDirectories(STATE);
    Files.deleteIfExists(STATE.resolve("ready"));
    Files.writeString(STATE.resolve("demo.pid"), Long.toString(ProcessHandle.current().pid()));

    step("starting kube-apiserver + etcd (built from the published Go modules)");
    Path kubeconfig = TestCluster.kubeconfigFile();
    Files.copy(
        kubeconfig, STATE.resolve("kubeconfig"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    KubernetesClient client = TestCluster.newAdminClient();

    String password = HexFormat.of().formatHex(new SecureRandom().generateSeed(12));
    step("starting docker-registry with htpasswd auth and TLS, pushing apps/hello:1 with skopeo");
    LocalRegistry registry = LocalRegistry.start("demo-robot", password);
    String image = registry.pushTestImage("apps/hello", "1", "demo-robot", password);

    step("starting regcred-operator (source namespace " + NS + ")");
    namespace(client, NS, Map.of());
    RunningOperator operator = RunningOperator.start(TestCluster.newAdminClient(), NS);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  operator.close();
                  registry.close();
                }));

    step("creating the source Secret and three team namespaces (two by name, one by label)");
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("demo-robot")
                .withNamespace(NS)
                .endMetadata()
                .withType("kubernetes.io/basic-auth")
                .withStringData(Map.of("username", "demo-robot", "password", password))
                .build())
        .serverSideApply();
    namespace(client, "team-a", Map.of());
    namespace(client, "team-b", Map.of());
    namespace(client, "team-c", Map.of("regcred.io/pull", "true"));
    namespace(client, "sandbox", Map.of("regcred.io/pull", "true"));
    for (String ns : List.of("team-a", "team-b", "team-c", "sandbox")) {
      // No controller-manager here, so the default ServiceAccounts are made by hand.
      Fixtures.serviceAccount(client, ns, "default");
    }
    String yaml =
        String.join(
            "\n",
            "apiVersion: regcred.io/v1alpha1",
            "kind: RegistryCredential",
            "metadata: {name: demo}",
            "spec:",
            "  source:",
            "    static: {secretRef: {name: demo-robot}, server: \"" + registry.host() + "\"}",
            "  target:",
            "    secretName: regcred",
            "    namespaces:",
            "      names: [team-a, team-b]",
            "      selector: {matchLabels: {regcred.io/pull: \"true\"}}",
            "      exclude: [sandbox]",
            "");
    Files.writeString(STATE.resolve("registrycredential.yaml"), yaml);
    step("kubectl apply -f .demo/registrycredential.yaml\n" + yaml);
    kubectl("apply", "-f", STATE.resolve("registrycredential.yaml").toString());

    Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
    while (!ready(client, "demo", TEAMS.size())) {
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException("the RegistryCredential did not become Ready");
      }
      Thread.sleep(200);
    }
    step("kubectl get regcred");
    kubectl("get", "regcred");
    step("kubectl get secrets -A -l app.kubernetes.io/managed-by=regcred-operator");
    kubectl("get", "secrets", "-A", "-l", "app.kubernetes.io/managed-by=regcred-operator");
    step("ServiceAccount imagePullSecrets");
    kubectl(
        "get",
        "serviceaccounts",
        "-A",
        "-o",
        "custom-columns=NAMESPACE:.metadata.namespace,NAME:.metadata.name,PULL-SECRETS:.imagePullSecrets[*].name");

    boolean allPulled = true;
    for (String ns : TEAMS) {
      String config =
          new String(
              Base64.getDecoder()
                  .decode(
                      client
                          .secrets()
                          .inNamespace(ns)
                          .withName("regcred")
                          .get()
                          .getData()
                          .get(".dockerconfigjson")),
              StandardCharsets.UTF_8);
      var result = registry.inspect(image, config);
      boolean ok = result.exitCode() == 0;
      allPulled &= ok;
      System.out.printf(
          "skopeo inspect --authfile <%s/regcred> %s: %s%n",
          ns, image, ok ? "PULL OK" : "FAILED\n" + result.output());
    }
    var anonymous = registry.inspect(image, "{\"auths\":{}}");
    System.out.printf(
        "skopeo inspect without credentials: %s%n",
        anonymous.exitCode() == 0 ? "unexpectedly OK" : "denied, as it should be");
    if (!allPulled || anonymous.exitCode() == 0) {
      System.out.println("DEMO FAILED");
      System.exit(1);
    }
    Files.writeString(STATE.resolve("ready"), "ok\n");
    step(
        "demo is running. Try:\n  export KUBECONFIG=$PWD/.demo/kubeconfig\n  kubectl get regcred\n"
            + "  kubectl label namespace sandbox regcred.io/pull-   # nothing happens: sandbox is excluded\n"
            + "  kubectl create namespace team-d && kubectl label namespace team-d regcred.io/pull=true\n"
            + "  kubectl get secret regcred -n team-d\nStop it with: make demo-down");
    Thread.currentThread().join();
  }

  private static void kubectl(String... args) throws Exception {
    var command =
        new java.util.ArrayList<>(
            List.of("kubectl", "--kubeconfig", STATE.resolve("kubeconfig").toString()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).inheritIO().start();
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("kubectl " + String.join(" ", args) + " failed");
    }
  }

  private static void step(String message) {
    System.out.println("\n==> " + message);
  }
}
