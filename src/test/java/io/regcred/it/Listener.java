package io.regcred.it;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A listening socket: the process holding it and the address it is bound to, read from the kernel's
 * own table of listening sockets ({@code /proc/net/tcp} and {@code tcp6}), so every port counts,
 * including ones a harness does not know about (etcd's peer port).
 */
public record Listener(String process, long pid, InetAddress address, int port) {

  /** Whether another machine could connect: bound to an address other than loopback. */
  public boolean reachableFromOtherMachines() {
    return !address.isLoopbackAddress();
  }

  @Override
  public String toString() {
    return process + "[" + pid + "] " + address.getHostAddress() + ":" + port;
  }

  /**
   * Listening TCP sockets in this network namespace held by the given processes or any process they
   * started, directly or not.
   */
  public static List<Listener> heldBy(ProcessHandle... roots) throws IOException {
    Map<Long, ProcessHandle> processes = new HashMap<>();
    for (ProcessHandle root : roots) {
      processes.put(root.pid(), root);
      root.descendants().forEach(p -> processes.put(p.pid(), p));
    }

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
  private static InetAddress kernelAddress(String hex) throws IOException {
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
