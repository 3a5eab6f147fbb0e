package io.regcred.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the integration tests start listens on 127.0.0.1 only: etcd has no authentication at all,
 * the API server is the cluster, and the registry holds the images; none of them may be reachable
 * from another machine while a test runs: the sockets this JVM and its child processes hold. (The
 * single-node cluster of hack/node.sh, which {@code make demo} and the E2E tests use, is held to
 * the same rule by {@code NodeIsolationE2E}.)
 */
class LoopbackIT {

  @Test
  void apiServerEtcdAndRegistryListenOnLoopbackOnly() throws Exception {
    TestCluster.adminConfig();
    int apiServerPort = URI.create(TestCluster.adminConfig().getMasterUrl()).getPort();
    try (LocalRegistry registry = LocalRegistry.start("loopback", "loopback-pw");
        TcpProxy proxy = new TcpProxy(apiServerPort)) {
      List<Listener> listeners = Listener.heldBy(ProcessHandle.current());
      System.out.println("listening: " + listeners);

      assertThat(listeners)
          .extracting(Listener::process)
          .contains("etcd", "kube-apiserver", "docker-registry", "java");
      // etcd's client and peer ports both
      assertThat(listeners).filteredOn(l -> l.process().equals("etcd")).hasSizeGreaterThan(1);
      assertThat(listeners).noneMatch(Listener::reachableFromOtherMachines);
    }
  }
}
