package io.regcred.e2e;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The single-node cluster of {@code hack/node.sh} (a kubelet, containerd, a private registry),
 * brought up once per test JVM. A node this JVM started goes down when the JVM exits, unless {@code
 * REGCRED_NODE_KEEP} is set; a node that was already up stays up. It needs root, as the script
 * does, and reads where things are from the {@code env} file the script writes into its state
 * directory ({@code REGCRED_NODE_DIR}, default {@code .node}).
 */
public final class RealNode {

  private static RealNode node;

  private final Map<String, String> env;

  private RealNode(Map<String, String> env) {
    this.env = env;
  }

  /** The node, started on first use. */
  public static synchronized RealNode get() {
    if (node == null) {
      node = start();
    }
    return node;
  }

  private static RealNode start() {
    Path demoOperator = Path.of(".demo", "operator.pid");
    if (Files.exists(demoOperator)
        && ProcessHandle.of(Long.parseLong(read(demoOperator)))
            .map(ProcessHandle::isAlive)
            .orElse(false)) {
      // Its operator would hold the same Lease and answer for the one under test.
      throw new IllegalStateException("make demo runs on this node: make demo-down first");
    }
    boolean wasUp =
        run(List.of("hack/node.sh", "status"))
            .lines()
            .anyMatch(l -> l.matches("kube-apiserver\\s+running.*"));
    long begin = System.nanoTime();
    run(List.of("hack/node.sh", "up"));
    System.out.printf(
        "real node: %s in %.1f s%n",
        wasUp ? "already up, checked" : "up", (System.nanoTime() - begin) / 1e9);
    if (!wasUp && System.getenv("REGCRED_NODE_KEEP") == null) {
      Runtime.getRuntime()
          .addShutdownHook(new Thread(() -> run(List.of("hack/node.sh", "down")), "node-down"));
    }
    String dir = System.getenv().getOrDefault("REGCRED_NODE_DIR", ".node");
    Map<String, String> env = new HashMap<>();
    try {
      for (String line : Files.readAllLines(Path.of(dir, "env"))) {
        int eq = line.indexOf('=');
        if (eq > 0) {
          env.put(line.substring(0, eq), line.substring(eq + 1));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new RealNode(env);
  }

  private static String read(Path file) {
    try {
      return Files.readString(file).strip();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Path adminKubeconfig() {
    return Path.of(env.get("KUBECONFIG"));
  }

  public KubernetesClient newAdminClient() {
    return new KubernetesClientBuilder().withConfig(adminConfig()).build();
  }

  private Config adminConfig() {
    try {
      return Config.fromKubeconfig(Files.readString(adminKubeconfig()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The private registry, {@code host:port}; it refuses pulls without its user and password. */
  public String registry() {
    return env.get("REGISTRY");
  }

  /** The CA that signed the registry's certificate (containerd on the node trusts it). */
  public Path registryCa() {
    return Path.of(env.get("REGISTRY_CA"));
  }

  public String registryUser() {
    return env.get("REGISTRY_USER");
  }

  /** The file holding the registry user's password. */
  public Path registryPasswordFile() {
    return Path.of(env.get("REGISTRY_PASSWORD_FILE"));
  }

  public String registryPassword() {
    try {
      return Files.readString(registryPasswordFile()).trim();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Gives the registry user {@code name} a new random password ({@code hack/node.sh user}) and
   * returns it. The registry takes it at once and refuses the user's previous password from then
   * on.
   */
  public String rotateRegistryUser(String name) {
    Path file = Path.of(run(List.of("hack/node.sh", "user", name)).strip());
    try {
      return Files.readString(file).trim();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public void deleteRegistryUser(String name) {
    run(List.of("hack/node.sh", "user", name, "--delete"));
  }

  /** The registry user's credentials as the {@code .dockerconfigjson} of a pull Secret. */
  public String dockerConfigJson() {
    String auth =
        Base64.getEncoder()
            .encodeToString(
                (registryUser() + ":" + registryPassword()).getBytes(StandardCharsets.UTF_8));
    return "{\"auths\":{\"" + registry() + "\":{\"auth\":\"" + auth + "\"}}}";
  }

  /** The one image in the registry: a shell that runs until SIGTERM. */
  public String image() {
    return env.get("IMAGE");
  }

  /**
   * A kubeconfig (readable by the owner only) for this API server that authenticates with a bearer
   * token, such as a ServiceAccount's: a client with the rights RBAC grants that account, not an
   * admin's.
   */
  public Path kubeconfigWithToken(String user, String token) {
    Config admin = adminConfig();
    String yaml =
        String.join(
            "\n",
            "apiVersion: v1",
            "kind: Config",
            "clusters:",
            "- name: node",
            "  cluster:",
            "    server: " + admin.getMasterUrl(),
            "    certificate-authority: " + admin.getCaCertFile(),
            "users:",
            "- name: " + user,
            "  user:",
            "    token: " + token,
            "contexts:",
            "- name: " + user,
            "  context: {cluster: node, user: " + user + "}",
            "current-context: " + user,
            "");
    try {
      Path file =
          Files.createTempFile(
              "regcred-" + user,
              ".kubeconfig",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      file.toFile().deleteOnExit();
      Files.writeString(file, yaml);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** kubectl as the admin; its standard output. Fails with kubectl's output if kubectl does. */
  public String kubectl(String... args) {
    List<String> command =
        new ArrayList<>(List.of("kubectl", "--kubeconfig", env.get("KUBECONFIG")));
    command.addAll(List.of(args));
    return run(command);
  }

  /**
   * helm, built by {@code hack/testbin.sh}, as the admin; its standard output. Fails with helm's
   * output if helm does.
   */
  public String helm(String... args) {
    String bin = run(List.of("hack/testbin.sh", "--helm")).strip();
    List<String> command = new ArrayList<>(List.of(bin, "--kubeconfig", env.get("KUBECONFIG")));
    command.addAll(List.of(args));
    return run(command);
  }

  private static String run(List<String> command) {
    return Command.run(command, Duration.ofMinutes(5));
  }
}
