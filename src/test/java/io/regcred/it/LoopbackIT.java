package io.regcred.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What the integration tests start listens on 127.0.0.1 only: etcd has no authentication at all,
 * the API server is the cluster, and the registry holds the images; none of them may be reachable
 * from another machine while a test runs. (The single-node cluster of hack/node.sh, which {@code
 * make demo} and the E2E tests use, is configured for 127.0.0.1 too; this test does not read its
 * sockets, which belong to processes outside this JVM's tree.)
 *
 * <p>The check reads the kernel's own table of listening sockets ({@code /proc/net/tcp} and {@code
 * tcp6}) for the sockets this JVM and its child processes hold, so it sees every port, including
 * ones the harness does not know about (etcd's peer port).
 */
class LoopbackIT {

  /** A listening socket: the process holding it and the address it is bound to. */
  record Listener(String process, long pid, InetAddress address, int port) {
    @Override
    public String toString() {
      return process + "[" + pid + "] " + address.getHostAddress() + ":" + port;
    }
  }

  @Test
  void apiServerEtcdAndRegistryListenOnLoopbackOnly() throws Exception {
    TestCluster.adminConfig();
    int apiServerPort = URI.create(TestCluster.adminConfig().getMasterUrl()).getPort();
    try (LocalRegistry registry = LocalRegistry.start("loopback", "loopback-pw");
        TcpProxy proxy = new TcpProxy(apiServerPort)) {
      List<Listener> listeners = listeners();
      System.out.println("listening: " + listeners);

      assertThat(listeners)
          .extracting(Listener::process)
          .contains("etcd", "kube-apiserver", "docker-registry", "java");
      // etcd's client and peer ports both
      assertThat(listeners).filteredOn(l -> l.process().equals("etcd")).hasSizeGreaterThan(1);
      assertThat(listeners)
          .allSatisfy(
              l ->
                  assertThat(l.address().isLoopbackAddress())
                      .as("%s is reachable from other machines", l)
                      .isTrue());
    }
  }

  /** Listening TCP sockets held by this JVM or any process it started, directly or not. */
  static List<Listener> listeners() throws IOException {
    Map<Long, ProcessHandle> processes = new HashMap<>();
    processes.put(ProcessHandle.current().pid(), ProcessHandle.current());
    ProcessHandle.current().descendants().forEach(p -> processes.put(p.pid(), p));

    Map<String, Long> socketOwners = new HashMap<>();
    for (long pid : processes.keySet()) {
      try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
        for (Path fd : fds.toList()) {
          try {
            String target = Files.readSymbolicLink(fd).toString();
            if (target.startsWith("socket:[")) {
              socketOwners.put(target.substring(8, target.length() - 1), pid);
            }
          } catch (IOException e) {
            // closed while listing
          }
        }
      } catch (IOException e) {
        // the process exited while listing
      }
    }

    List<Listener> listeners = new ArrayList<>();
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      for (String line : Files.readAllLines(Path.of(table)).stream().skip(1).toList()) {
        String[] f = line.trim().split("\\s+");
        boolean listening = f[3].equals("0A");
        Long pid = socketOwners.get(f[9]);
        if (listening && pid != null) {
          String[] local = f[1].split(":");
          listeners.add(
              new Listener(
                  Files.readString(Path.of("/proc", Long.toString(pid), "comm")).strip(),
                  pid,
                  kernelAddress(local[0]),
                  Integer.parseInt(local[1], 16)));
        }
      }
    }
    return listeners;
  }

  /**
   * /proc/net/tcp{,6} print an address as 32-bit words in host (little-endian) order: 0100007F is
   * 127.0.0.1. An IPv4-mapped IPv6 address comes back as the IPv4 address.
   */
  static InetAddress kernelAddress(String hex) throws IOException {
    byte[] words = HexFormat.of().parseHex(hex);
    byte[] address = new byte[words.length];
    for (int word = 0; word < words.length; word += 4) {
      for (int i = 0; i < 4; i++) {
        address[word + i] = words[word + 3 - i];
      }
    }
    return InetAddress.getByAddress(address);
  }
}
