package io.regcred.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.regcred.it.Listener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The single-node cluster listens on 127.0.0.1 only: etcd has no authentication, the kubelet runs
 * containers, the registry holds the images, and the node's bridge gives Pods an address of the
 * machine's, so any of them bound to all addresses would be reachable from the Pods and from other
 * machines.
 */
class NodeListenersE2E {

  @Test
  void everyProcessOfTheNodeListensOnLoopbackOnly() throws IOException {
    RealNode.get();
    Path pids = Path.of(System.getenv().getOrDefault("REGCRED_NODE_DIR", ".node"), "pids");
    List<ProcessHandle> node;
    try (Stream<Path> files = Files.list(pids)) {
      node =
          files
              .map(f -> ProcessHandle.of(Long.parseLong(read(f))))
              .flatMap(java.util.Optional::stream)
              .toList();
    }
    List<Listener> listeners = Listener.heldBy(node.toArray(ProcessHandle[]::new));
    System.out.println("node listening: " + listeners);

    assertThat(listeners)
        .extracting(Listener::process)
        .contains("etcd", "kube-apiserver", "kubelet", "docker-registry");
    assertThat(listeners)
        .allSatisfy(
            l ->
                assertThat(l.address().isLoopbackAddress())
                    .as("%s is reachable from Pods and other machines", l)
                    .isTrue());
  }

  private static String read(Path file) {
    try {
      return Files.readString(file).strip();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
