package io.regcred.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.regcred.it.Listener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What the single-node cluster exposes, and to whom. Its processes listen on 127.0.0.1 only: etcd,
 * the kubelet (which runs containers) and the registry would otherwise be reachable from other
 * machines. A Pod reaches the API server at the kubernetes Service, as in any cluster, and nothing
 * else of the machine through the bridge: not a service listening on the bridge's address, as one
 * bound to all addresses does.
 */
class NodeIsolationE2E {

  static final String POD = "node-isolation";

  @Test
  void everyProcessOfTheNodeListensOnLoopbackOnly() throws IOException {
    RealNode.get();
    Path pids = Path.of(System.getenv().getOrDefault("REGCRED_NODE_DIR", ".node"), "pids");
    List<ProcessHandle> node;
    try (Stream<Path> files = Files.list(pids)) {
      node =
          files
              .map(f -> ProcessHandle.of(Long.parseLong(read(f))))
              .flatMap(Optional::stream)
              .toList();
    }
    List<Listener> listeners = Listener.heldBy(node.toArray(ProcessHandle[]::new));
    System.out.println("node listening: " + listeners);

    assertThat(listeners)
        .extracting(Listener::process)
        .contains("etcd", "kube-apiserver", "kubelet", "docker-registry");
    assertThat(listeners).noneMatch(Listener::reachableFromOtherMachines);
  }

  @Test
  void aPodReachesTheApiServerAndNoOtherServiceOfTheMachine() throws IOException {
    RealNode node = RealNode.get();
    try (KubernetesClient admin = node.newAdminClient()) {
      admin
          .resource(
              new SecretBuilder()
                  .withNewMetadata()
                  .withName(POD)
                  .withNamespace("default")
                  .endMetadata()
                  .withType("kubernetes.io/dockerconfigjson")
                  .withStringData(Map.of(".dockerconfigjson", node.dockerConfigJson()))
                  .build())
          .serverSideApply();
      admin
          .resource(
              new PodBuilder()
                  .withNewMetadata()
                  .withName(POD)
                  .withNamespace("default")
                  .endMetadata()
                  .withNewSpec()
                  .withTerminationGracePeriodSeconds(1L)
                  .addNewContainer()
                  .withName("probe")
                  .withImage(node.image())
                  .endContainer()
                  .addNewImagePullSecret(POD)
                  .endSpec()
                  .build())
          .create();
      try {
        await("the probe Pod running")
            .atMost(Duration.ofSeconds(60))
            .until(
                () ->
                    "Running"
                        .equals(
                            admin
                                .pods()
                                .inNamespace("default")
                                .withName(POD)
                                .get()
                                .getStatus()
                                .getPhase()));
        String gateway =
            node.kubectl("exec", "-n", "default", POD, "--", "/bin/busybox", "ip", "route")
                .lines()
                .filter(l -> l.startsWith("10.0.0.0/24 via "))
                .map(l -> l.split(" ")[2])
                .findFirst()
                .orElseThrow(() -> new AssertionError("no route to the service range"));

        assertThat(
                exec(
                    node,
                    "/bin/busybox wget -q -O- --no-check-certificate"
                        + " https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT/healthz"))
            .as("the API server at the kubernetes Service, from the Pod")
            .isEqualTo("ok");
        // A service of the machine's that Pods could otherwise reach: one on the bridge's address,
        // as a service bound to all addresses is (the test's own server stays off other machines).
        try (ServerSocket onTheBridge = new ServerSocket(0, 50, InetAddress.getByName(gateway))) {
          // A connection that opens hangs until timeout ends it, and nc says nothing then.
          assertThat(
                  exec(
                      node,
                      "/bin/busybox timeout 5 /bin/busybox nc -w 2 "
                          + gateway
                          + " "
                          + onTheBridge.getLocalPort()))
              .as("a service of the machine's on the bridge's address %s, from the Pod", gateway)
              .contains("nc: ");
        }
      } finally {
        admin.pods().inNamespace("default").withName(POD).delete();
        admin.secrets().inNamespace("default").withName(POD).delete();
      }
    }
  }

  /** A shell command in the probe Pod; its output, or what it said when it failed. */
  private static String exec(RealNode node, String script) {
    try {
      return node.kubectl("exec", "-n", "default", POD, "--", "/bin/busybox", "sh", "-c", script)
          .strip();
    } catch (IllegalStateException e) {
      return e.getMessage();
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file).strip();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
